"""The lead behind a negotiation reply: the deal read from its Targeting OS record, and what the reply may say
about it (read from the deal, never from the customer's text)."""

from __future__ import annotations

from agents.brief import BriefSignal, LeadBrief
from agents.guard import Channel
from skills.negotiation.catalog import LeadFacts
from skills.negotiation.models import DealContext
from skills.targeting.outreach import BRIEF_SIGNAL_KINDS
from skills.targeting.repository import TargetingRepository
from skills.targeting.signals import detect_signals
from tools.errors import NotFound


def lead_facts(deal: DealContext) -> LeadFacts:
    """The lead's key (picks the opening), its strongest situation (as the copywriter ranks them) and sector."""
    brief = LeadBrief(lead_id=deal.deal_id, channel=deal.channel, language=deal.language or "ar",
                      company_name=deal.company_name,
                      signals=tuple(BriefSignal(kind=kind, field="deal.signals") for kind in deal.signals))
    return LeadFacts(key=deal.deal_id if deal.deal_id != "deal" else "", situation=brief.situation(),
                     sector=deal.sector)


def deal_for_lead(repository: TargetingRepository, tenant: str, lead_id: str, channel: Channel) -> DealContext:
    """The deal a negotiation reply to one lead is written for: its names, sector, signals and its own contact
    point on ``channel`` (empty when it has none; the graph then proposes no draft). The deal id is the lead
    id, so the gateway judges the draft on that lead's contactability (WhatsApp only with a recorded opt-in).

    Raises :class:`tools.errors.NotFound` when the tenant has no such lead."""
    found = repository.leads_by_id(tenant, [lead_id])
    if not found:
        raise NotFound("لا يوجد عميل محتمل بهذا المعرّف لدى منشأتك.", "No lead with this id for this tenant.",
                       code="lead_not_found")
    lead = found[0]
    kinds = BRIEF_SIGNAL_KINDS
    signals = tuple(dict.fromkeys(kinds[s.kind] for s in detect_signals(lead) if s.kind in kinds))
    address = (lead.email or "") if channel == "email" else (lead.phone.e164 if lead.phone else "")
    return DealContext(deal_id=lead.lead_id, company_name=lead.company_name[:120],
                       contact_name=(lead.contact_name or "")[:80], channel=channel,
                       email=address if channel == "email" else "", phone=address if channel == "whatsapp" else "",
                       sector=(lead.sector_raw or "")[:80], signals=signals[:10])
