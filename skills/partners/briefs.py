"""The meeting brief for a first partner meeting: why them, agenda, questions, offer, risks, slots.

Internal only (it is never sent to the partner). Proposed slots are the next working days at
10:00 and 13:00 Asia/Riyadh, skipping Fridays, Saturdays and configured public holidays. The
Markdown comes from ``prompts/templates/partner_meeting_brief.md.j2``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from prompts.loader import get_prompt
from skills.partners.catalog import Catalog, load_catalog
from skills.partners.models import MeetingBrief, PartnerCandidate, PartnerOffer, Scorecard
from skills.partners.suggestions import first_channel
from skills.support.business_time import BusinessCalendar, default_calendar

SLOT_TIMES = (time(10, 0), time(13, 0))
LOW_TRUST = 40.0


def proposed_slots(now: datetime, calendar: BusinessCalendar, count: int = 3) -> tuple[datetime, ...]:
    """The next ``count`` slots from tomorrow on, at SLOT_TIMES, on business days only."""
    slots: list[datetime] = []
    day = calendar.local(now).date() + timedelta(days=1)
    while len(slots) < count:
        if calendar.is_business_day(day):
            slots.extend(datetime.combine(day, t, tzinfo=calendar.tz) for t in SLOT_TIMES)
        day += timedelta(days=1)
    return tuple(slots[:count])


def format_slot(slot: datetime, catalog: Catalog) -> str:
    return catalog.messages.slot_ar.format(weekday=catalog.messages.weekdays_ar[slot.weekday()],
                                           date=slot.strftime("%Y-%m-%d"), time=slot.strftime("%H:%M"))


def _risks(candidate: PartnerCandidate, card: Scorecard, catalog: Catalog) -> tuple[str, ...]:
    texts = catalog.messages.brief
    risks: list[str] = []
    if card.competitor.flagged:
        risks.append(texts.risk_competitor)
    trust = card.component("trust").score
    if trust < LOW_TRUST:
        risks.append(texts.risk_low_trust.format(score=f"{trust:.0f}"))
    if first_channel(candidate) is None:
        risks.append(texts.risk_unreachable)
    return tuple(risks) or (texts.risk_none,)


def meeting_brief(candidate: PartnerCandidate, card: Scorecard, offer: PartnerOffer, *, now: datetime,
                  calendar: BusinessCalendar | None = None, catalog: Catalog | None = None) -> MeetingBrief:
    catalog = catalog or load_catalog()
    calendar = calendar or default_calendar()
    texts = catalog.messages.brief
    why = tuple(f"{c.label_ar} ({c.score:.0f}): {c.reasons_ar[0]}"
                for c in sorted(card.components, key=lambda c: (-c.weighted, c.component)) if c.reasons_ar)
    if card.competitor.flagged and card.competitor.reason_ar:
        why = (*why, card.competitor.reason_ar)
    objective = texts.objective.ar.format(partner_name=candidate.name, model_ar=offer.model_ar)
    risks = _risks(candidate, card, catalog)
    slots = proposed_slots(now, calendar)
    template = get_prompt("partner.meeting_brief")
    markdown = template.render(
        partner_name=candidate.name, type_ar=card.type_ar, contact_name=candidate.contact_name or "",
        score_total=f"{card.total:.1f}", objective=objective, why=list(why), agenda=list(texts.agenda),
        questions=list(texts.questions), offer_summary=offer.summary_ar, offer_example=offer.example_ar,
        offer_notes=list(offer.notes_ar), clauses=list(offer.clauses_ar), risks=list(risks),
        slots=[format_slot(s, catalog) for s in slots], next_step=texts.next_step.ar,
    )
    return MeetingBrief(
        partner_id=candidate.partner_id, partner_name=candidate.name, type_ar=card.type_ar, objective_ar=objective,
        why_partner_ar=why, agenda_ar=texts.agenda, questions_ar=texts.questions, offer=offer, risks_ar=risks,
        proposed_slots=slots, next_step_ar=texts.next_step.ar, markdown=markdown, prompt=template.ref,
    )
