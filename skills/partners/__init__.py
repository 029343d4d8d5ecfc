"""The Partner OS: partner candidates, an explainable scorecard, suggestions, offers with terms,
meeting briefs, guarded introduction drafts and the referral -> deal -> commission tracker.

The partner_strategist skill node (``skills.partners.nodes``), the API (``api/routers/partners.py``)
and the CLI (``dealix partners``) all go through :class:`PartnerService`. Nothing runs at import.
"""

from skills.partners.models import PartnerCandidate, PartnerType, Scorecard
from skills.partners.service import PartnerService

__all__ = ["PartnerCandidate", "PartnerService", "PartnerType", "Scorecard"]
