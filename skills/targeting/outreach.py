"""What a drafting skill may know of one chosen lead: :class:`OutreachTarget`, built from the lead record.

Every graph that drafts to a lead (the autopilot, the daily plan, the operator chat) gets its
targets from the Targeting OS through :func:`skills.outreach.choose_targets`, and this is the
one shape they share. Structured fields only: free-text notes never reach a draft (they are
untrusted data, read for signals by the Targeting OS and shown to people as quoted facts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.cities import city
from skills.targeting.models import Lead, Target

OutreachChannel = Literal["email", "whatsapp"]

_ENGLISH = frozenset({"en", "english", "الإنجليزية", "انجليزي", "إنجليزي"})


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

    @property
    def contact_points(self) -> tuple[str, ...]:
        return tuple(v for v in (self.phone, self.email) if v)

    @property
    def address(self) -> str:
        """Where the draft goes on its channel."""
        return self.email if self.channel == "email" else self.phone


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
    )


__all__ = ["OutreachChannel", "OutreachTarget", "lead_language", "outreach_target"]
