"""Typed records of the Partner OS: candidates, scorecards, offers, briefs, drafts and the revenue ledger.

Every model is frozen: a scorecard, an offer or a commission is a fact a later step reads, never
edits. Amounts are SAR; the tracker stores them as integer halalas and reports them rounded to
two decimals, so its sums are exact.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from prompts.loader import PromptRef


class PartnerType(StrEnum):
    marketing_agency = "marketing_agency"
    sales_consultant = "sales_consultant"
    training_provider = "training_provider"
    software_vendor = "software_vendor"
    business_community = "business_community"
    local_association = "local_association"
    freelancer_network = "freelancer_network"
    industry_influencer = "industry_influencer"


Relationship = Literal["none", "met", "worked_together"]
Component = Literal["fit", "reach", "trust", "overlap", "revenue_potential"]
COMPONENTS: tuple[Component, ...] = ("fit", "reach", "trust", "overlap", "revenue_potential")
OfferModel = Literal["referral", "revenue_share", "co_delivery"]
PaymentKind = Literal["after_collection", "quarterly", "per_milestone"]
DraftChannel = Literal["email", "whatsapp"]
Language = Literal["ar", "en"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartnerCandidate(_Frozen):
    """One organisation or person who could refer or co-deliver. Free-text notes are never acted on."""

    partner_id: str = Field(min_length=1, max_length=64, description="Stable id, e.g. 'P-001'.")
    name: str = Field(min_length=1, max_length=200, description="Display name as written.")
    type: PartnerType
    city: str | None = Field(default=None, description="City id (riyadh), 'national' or 'online'.")
    client_sectors: tuple[str, ...] = Field(default=(), description="Sector ids of the partner's clients.")
    services: tuple[str, ...] = Field(default=(), description="Service tags the partner sells.")
    clients_count: int = Field(default=0, ge=0, description="Client companies the partner serves.")
    audience_size: int = Field(default=0, ge=0, description="Members, attendees or followers it reaches.")
    years_active: int = Field(default=0, ge=0, le=200)
    references_count: int = Field(default=0, ge=0, description="Case studies or references we can check.")
    cr_verified: bool = Field(default=False, description="Commercial registration checked.")
    relationship: Relationship = "none"
    declared_competitor: bool = Field(default=False, description="Marked a competitor by the team.")
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    whatsapp_opt_in: bool = Field(default=False, description="The contact agreed to WhatsApp messages.")
    language: Language = "ar"
    notes: str | None = Field(default=None, description="Kept for people to read; no rule acts on it.")


class PartnerProfile(_Frozen):
    """The tenant's side: what it sells (competitor check), what complements it, its deal economics."""

    company: str = Field(description="The tenant's company name, used as the sender.")
    signature_ar: str
    signature_en: str
    services: tuple[str, ...] = Field(description="Service tags the tenant itself sells.")
    complementary_services: tuple[str, ...] = Field(description="Service tags that complement the tenant's.")
    avg_deal_sar: float = Field(gt=0, description="Average first-year contract value, SAR excluding VAT.")
    conversion_rate: float = Field(gt=0, le=1, description="Share of referrals that become deals.")


class ComponentScore(_Frozen):
    component: Component
    label_ar: str
    score: float = Field(ge=0, le=100)
    weight: float = Field(ge=0, le=1)
    weighted: float = Field(description="score × weight, the points this component adds to the total.")
    reasons_ar: tuple[str, ...]
    reasons_en: tuple[str, ...]


class CompetitorFlag(_Frozen):
    flagged: bool
    shared_services: tuple[str, ...] = ()
    declared: bool = False
    reason_ar: str | None = None
    reason_en: str | None = None
    penalty: float = Field(default=0.0, ge=0, description="Points taken off the total, shown, never hidden.")


class RevenueEstimate(_Frozen):
    """An estimate with its assumptions shown; never a promise."""

    referrals_per_year: float
    deals_per_year: float
    revenue_sar: float
    assumptions_ar: tuple[str, ...]


class Scorecard(_Frozen):
    partner_id: str
    partner_name: str
    type: PartnerType
    type_ar: str
    components: tuple[ComponentScore, ...] = Field(description="fit, reach, trust, overlap, revenue_potential.")
    competitor: CompetitorFlag
    revenue: RevenueEstimate
    total: float = Field(description="Σ weighted − competitor penalty, 0-100, rounded to 2 decimals.")
    weights_version: str = Field(description="Version of the scorecard data file.")

    def component(self, name: Component) -> ComponentScore:
        return next(c for c in self.components if c.component == name)


class OfferTerms(_Frozen):
    model: OfferModel
    rate_pct: float = Field(gt=0, le=100, description="Commission or share, % of collected value excl. VAT.")
    duration_months: int = Field(ge=1, le=60)
    payment_kind: PaymentKind
    payment_days: int = Field(ge=0, le=120, description="Days after collection / quarter end / milestone.")
    attribution_days: int = Field(ge=0, description="A referral counts if the deal closes within this window.")
    basis_ar: str
    payment_timing_ar: str


class PartnerOffer(_Frozen):
    partner_id: str
    partner_name: str
    terms: OfferTerms
    model_ar: str
    summary_ar: str
    clauses_ar: tuple[str, ...] = Field(description="Standard clauses, incl. that nothing is guaranteed.")
    example_ar: str = Field(description="A worked example on the tenant's average deal, in SAR.")
    example_commission_sar: float
    notes_ar: tuple[str, ...] = ()


class PartnerSuggestion(_Frozen):
    rank: int = Field(ge=1)
    scorecard: Scorecard
    recommended_offer: OfferModel
    recommended_offer_ar: str
    why_ar: str = Field(description="The strongest reasons, in one line.")
    channel: DraftChannel | None = Field(description="Channel for a first message; None when unreachable.")


class MeetingBrief(_Frozen):
    partner_id: str
    partner_name: str
    type_ar: str
    objective_ar: str
    why_partner_ar: tuple[str, ...]
    agenda_ar: tuple[str, ...]
    questions_ar: tuple[str, ...]
    offer: PartnerOffer
    risks_ar: tuple[str, ...]
    proposed_slots: tuple[datetime, ...] = Field(description="Sunday-Thursday slots, Asia/Riyadh.")
    next_step_ar: str
    markdown: str = Field(description="The brief rendered from its template.")
    prompt: PromptRef


class PartnerDraft(_Frozen):
    partner_id: str
    channel: DraftChannel
    language: Language
    subject: str | None
    body: str
    status: Literal["ready", "needs_review"]
    guard_problems: tuple[str, ...] = ()
    prompt: PromptRef


# ----------------------------------------------------------------------------- revenue tracker
CommissionStatus = Literal["due", "paid", "not_eligible"]


class Agreement(_Frozen):
    partner_id: str
    terms: OfferTerms
    agreed_on: date


class Referral(_Frozen):
    referral_id: str
    partner_id: str
    company_name: str
    referred_on: date
    status: Literal["open", "won", "lost"]


class PartnerDeal(_Frozen):
    deal_id: str
    referral_id: str
    partner_id: str
    amount_sar: float = Field(gt=0, description="Collected value, SAR excl. VAT.")
    collected_on: date


class Commission(_Frozen):
    commission_id: str
    deal_id: str
    partner_id: str
    model: OfferModel
    rate_pct: float
    amount_sar: float
    due_on: date | None
    status: CommissionStatus
    reason_ar: str


class PartnerRevenueRow(_Frozen):
    partner_id: str
    referrals: int
    open_referrals: int
    won_deals: int
    revenue_sar: float
    commission_sar: float
    commission_due_sar: float
    commission_paid_sar: float
    conversion_rate: float = Field(description="Referrals that became at least one deal.")


class RevenueSummary(_Frozen):
    tenant: str
    partners: tuple[PartnerRevenueRow, ...]
    referrals: int
    won_deals: int
    revenue_sar: float
    commission_sar: float
    commission_due_sar: float
    commission_paid_sar: float
