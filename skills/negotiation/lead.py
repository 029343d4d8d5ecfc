"""What a negotiation reply may say about the lead itself, read from the deal (never from the customer's text)."""

from __future__ import annotations

from agents.brief import BriefSignal, LeadBrief
from skills.negotiation.catalog import LeadFacts
from skills.negotiation.models import DealContext


def lead_facts(deal: DealContext) -> LeadFacts:
    """The lead's key (picks the opening), its strongest situation (as the copywriter ranks them) and sector."""
    brief = LeadBrief(lead_id=deal.deal_id, channel=deal.channel, language=deal.language or "ar",
                      company_name=deal.company_name,
                      signals=tuple(BriefSignal(kind=kind, field="deal.signals") for kind in deal.signals))
    return LeadFacts(key=deal.deal_id if deal.deal_id != "deal" else "", situation=brief.situation(),
                     sector=deal.sector)
