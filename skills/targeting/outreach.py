"""What a drafting skill may know of one chosen lead: :class:`OutreachTarget`, built from the lead record.

Every graph that drafts to a lead (the autopilot, the daily plan, the operator chat) gets its
targets from the Targeting OS through :func:`skills.outreach.choose_targets`, and this is the
one shape they share. Structured fields only: free-text notes never reach a draft (they are
untrusted data, read for signals by the Targeting OS and shown to people as quoted facts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.brief import BriefSignal, SignalKind
from skills.targeting.cities import city
from skills.targeting.models import Lead, Target

OutreachChannel = Literal["email", "whatsapp"]

_ENGLISH = frozenset({"en", "english", "الإنجليزية", "انجليزي", "إنجليزي"})


class OutreachSignal(BaseModel):
    """One why-now signal of a chosen lead, with the field of the lead record it was read from."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="The Targeting OS's signal kind (tender, hiring, demo_request, ...), or the "
                                  "source's (inbound_form, referral, event_with_consent).")
    field: str = Field(description="The lead record's field: 'notes', 'source', ...")
    evidence: str = ""


# Sources that are themselves the reason to write: the lead asked, was referred, or was met.
_SOURCE_SIGNALS = frozenset({"inbound_form", "referral", "event_with_consent"})


class OutreachTarget(BaseModel):
    """One chosen lead a draft is written for, with the one contact point the draft goes to."""

    model_config = ConfigDict(frozen=True)

    lead_id: str = Field(description="The Targeting OS lead id (the kept record when duplicates merged).")
    rank: int = Field(ge=1, description="1 is the best target.")
    score: int = Field(description="The Targeting OS score, rounded.")
    why_ar: str = Field(description="Why this lead and this channel, in Arabic.")
    company_name: str
    contact_name: str = ""
    title: str = ""
    phone: str = Field(default="", description="E.164, e.g. +966501234567; empty when unknown.")
    email: str = ""
    city: str = ""
    sector: str = ""
    source: str = ""
    notes: str = Field(default="", description="Always empty here: notes are data for people, not for drafts.")
    language: Literal["ar", "en"] = "ar"
    channel: OutreachChannel = Field(description="The draft's channel.")
    signals: tuple[OutreachSignal, ...] = Field(
        default=(), description="Why now, as the Targeting OS read it (the notes' sentence as evidence, never an "
                                "instruction): what the draft may open with.")

    @property
    def contact_points(self) -> tuple[str, ...]:
        return tuple(v for v in (self.phone, self.email) if v)

    @property
    def address(self) -> str:
        """Where the draft goes on its channel."""
        return self.email if self.channel == "email" else self.phone


# The Targeting OS's signal and source kinds as the copywriter names the situation a draft opens with (a demo
# or proposal request, or an inbound form, is the lead's own request; a partner search says nothing about buying).
BRIEF_SIGNAL_KINDS: dict[str, SignalKind] = {
    "hiring": "hiring", "funding": "funding", "new_branch": "new_branch", "tender": "tender",
    "expansion": "expansion", "new_product": "new_product", "seasonal_budget": "seasonal_budget",
    "demo_request": "inbound_request", "proposal_request": "inbound_request",
    "inbound_form": "inbound_request", "referral": "referral", "event_with_consent": "event_met",
}


def brief_signals(signals: Iterable[OutreachSignal]) -> tuple[BriefSignal, ...]:
    """The why-now of a chosen lead as the copywriter's brief carries it: each with its field and evidence."""
    return tuple(BriefSignal(kind=BRIEF_SIGNAL_KINDS[s.kind], field=s.field, evidence=s.evidence)
                 for s in signals if s.kind in BRIEF_SIGNAL_KINDS)


def lead_language(lead: Lead) -> Literal["ar", "en"]:
    for key, value in lead.extras.items():
        if key.strip().lower() in ("language", "preferred language", "اللغة") and value.strip().lower() in _ENGLISH:
            return "en"
    return "ar"


def outreach_target(target: Target, lead: Lead, *, rank: int, channel: OutreachChannel,
                    why_ar: str) -> OutreachTarget:
    """The drafting view of a ranked lead: structured fields only (notes stay out)."""
    return OutreachTarget(
        lead_id=target.lead_id, rank=rank, score=round(target.score.total), why_ar=why_ar,
        company_name=target.company_name, contact_name=target.contact_name or "", title=target.title or "",
        phone=lead.phone.e164 if lead.phone else "", email=lead.email or "",
        city=city(target.city_id).name_ar if target.city_id else (lead.city_raw or ""),
        sector=target.enrichment.sector_ar or "", source=lead.source.source_id, notes="",
        language=lead_language(lead), channel=channel,
        signals=(*((OutreachSignal(kind=lead.source.source_id, field="source"),)
                   if lead.source.source_id in _SOURCE_SIGNALS else ()),
                 *(OutreachSignal(kind=sig.kind, field="notes", evidence=sig.evidence) for sig in target.signals)),
    )


__all__ = ["BRIEF_SIGNAL_KINDS", "OutreachChannel", "OutreachSignal", "OutreachTarget", "brief_signals",
           "lead_language", "outreach_target"]
