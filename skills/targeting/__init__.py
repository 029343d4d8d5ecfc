"""The Targeting OS: import, normalise, dedupe, contactability, enrichment, committee, signals,
channel, ranking, reputation and daily selection, as plain typed modules.

The targeting_analyst skill, the API (``api/routers/targeting.py``) and the CLI
(``dealix targeting``) all go through :class:`TargetingService`. Nothing runs at import.
"""

import importlib
from typing import Any

# What ``from skills.targeting import X`` names, loaded on first use (PEP 562): importing one module of
# the package (the CLI's `policy check` needs only the repository) does not load the whole Targeting OS.
_EXPORTS = {
    "Catalog": "skills.targeting.catalog",
    "Contactability": "skills.targeting.models",
    "ContactabilityJudge": "skills.targeting.contactability",
    "DailyPick": "skills.targeting.selection",
    "DailySelection": "skills.targeting.selection",
    "DedupeResult": "skills.targeting.dedupe",
    "FileTooLarge": "skills.targeting.errors",
    "Icp": "skills.targeting.ranking",
    "ImportIssue": "skills.targeting.models",
    "ImportReport": "skills.targeting.models",
    "Lead": "skills.targeting.models",
    "MergeNotFound": "skills.targeting.errors",
    "MergeRecord": "skills.targeting.models",
    "MissingCompanyColumn": "skills.targeting.errors",
    "RankResult": "skills.targeting.service",
    "ScoreBreakdown": "skills.targeting.models",
    "Target": "skills.targeting.models",
    "TargetingError": "skills.targeting.errors",
    "TargetingRepository": "skills.targeting.repository",
    "TargetingService": "skills.targeting.service",
    "UnreadableFile": "skills.targeting.errors",
    "UnsupportedFormat": "skills.targeting.errors",
    "company_groups": "skills.targeting.dedupe",
    "find_duplicates": "skills.targeting.dedupe",
    "load_catalog": "skills.targeting.catalog",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skills.targeting' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
