"""The Targeting OS: import, normalise, dedupe, contactability, enrichment, committee, signals,
channel, ranking, reputation and daily selection, as plain typed modules.

The targeting_analyst skill, the API (``api/routers/targeting.py``) and the CLI
(``dealix targeting``) all go through :class:`TargetingService`. Nothing runs at import.
"""

from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.contactability import ContactabilityJudge
from skills.targeting.dedupe import DedupeResult, company_groups, find_duplicates
from skills.targeting.errors import (
    FileTooLarge,
    MergeNotFound,
    MissingCompanyColumn,
    TargetingError,
    UnreadableFile,
    UnsupportedFormat,
)
from skills.targeting.models import (
    Contactability,
    ImportIssue,
    ImportReport,
    Lead,
    MergeRecord,
    ScoreBreakdown,
    Target,
)
from skills.targeting.ranking import Icp
from skills.targeting.repository import TargetingRepository
from skills.targeting.selection import DailyPick, DailySelection
from skills.targeting.service import RankResult, TargetingService

__all__ = [
    "Catalog",
    "Contactability",
    "ContactabilityJudge",
    "DailyPick",
    "DailySelection",
    "DedupeResult",
    "FileTooLarge",
    "Icp",
    "ImportIssue",
    "ImportReport",
    "Lead",
    "MergeNotFound",
    "MergeRecord",
    "MissingCompanyColumn",
    "RankResult",
    "ScoreBreakdown",
    "Target",
    "TargetingError",
    "TargetingRepository",
    "TargetingService",
    "UnreadableFile",
    "UnsupportedFormat",
    "company_groups",
    "find_duplicates",
    "load_catalog",
]
