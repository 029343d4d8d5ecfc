"""Request and response schemas of ``/api/v1/partners``. The tenant always comes from the API key."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graphs.resume import Decision
from skills.approval import Outcome as DraftOutcome
from skills.partners.models import (
    Agreement,
    Commission,
    DraftChannel,
    MeetingBrief,
    OfferModel,
    PartnerCandidate,
    PartnerDeal,
    PartnerDraft,
    PartnerOffer,
    PartnerSuggestion,
    Referral,
    RevenueSummary,
    Scorecard,
)
from tools.models import ApprovalRequest

PartnerId = str


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuggestionsResponse(BaseModel):
    weights_version: str = Field(description="Version of the scorecard weights used.")
    suggestions: list[PartnerSuggestion] = Field(description="Ranked: total descending, then partner id.")


class ScoreRequest(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["partner_id"], "properties": {"partner_id": {"type": "string"}, "candidate": {"type": "null"}}},
        {"required": ["candidate"], "properties": {"candidate": {"type": "object"}, "partner_id": {"type": "null"}}},
    ]})

    partner_id: PartnerId | None = Field(default=None, max_length=64, description="A candidate on file.")
    candidate: PartnerCandidate | None = Field(default=None, description="Or a candidate given inline.")

    @model_validator(mode="after")
    def _one(self) -> ScoreRequest:
        if (self.partner_id is None) == (self.candidate is None):
            raise ValueError("give exactly one of partner_id or candidate")
        return self


class ScoreResponse(BaseModel):
    scorecard: Scorecard = Field(description="Every component with its weight, points and reasons.")


class OfferRequest(_Request):
    partner_id: PartnerId = Field(max_length=64)
    model: OfferModel | None = Field(default=None, description="referral, revenue_share or co_delivery.")
    rate_pct: float | None = Field(default=None, gt=0, le=100, description="Within the model's bounds.")
    duration_months: int | None = Field(default=None, ge=1, le=60)


class OfferResponse(BaseModel):
    offer: PartnerOffer


class BriefRequest(_Request):
    partner_id: PartnerId = Field(max_length=64)
    model: OfferModel | None = None


class BriefResponse(BaseModel):
    brief: MeetingBrief


class MessageDraftRequest(_Request):
    partner_id: PartnerId = Field(max_length=64)
    channel: DraftChannel | None = Field(default=None, description="Default: email, or WhatsApp with opt-in.")


class MessageDraftResponse(BaseModel):
    thread_id: str = Field(description="The partner graph thread waiting on the approval.")
    draft: PartnerDraft | None
    outcome: DraftOutcome | None = Field(description="awaiting_approval, needs_review, blocked, ...")
    approval: ApprovalRequest | None = Field(description="The pending approval: nothing is drafted before it.")


class DecisionRequest(_Request):
    decision: Decision = Field(description="approve, reject or edit.")
    edited_args: dict[str, object] | None = Field(default=None, description="For edit: e.g. {'body': '...'}.")
    reason: str | None = Field(default=None, max_length=1000)


class DecisionResponse(BaseModel):
    approval_id: str
    thread_id: str
    already_decided: bool
    message_ar: str
    outcome: DraftOutcome | None


class AgreementRequest(_Request):
    partner_id: PartnerId = Field(max_length=64)
    model: OfferModel
    rate_pct: float | None = Field(default=None, gt=0, le=100)
    duration_months: int | None = Field(default=None, ge=1, le=60)
    agreed_on: date


class AgreementResponse(BaseModel):
    agreement: Agreement


class ReferralRequest(_Request):
    partner_id: PartnerId = Field(max_length=64)
    company_name: str = Field(min_length=1, max_length=200)
    referred_on: date


class ReferralResponse(BaseModel):
    referral: Referral


class DealRequest(_Request):
    # Money is kept in halalas: an amount is rounded half-up to the halala, so the least that is
    # still an amount is 0.01 SAR (0.001 would round to nothing; it is refused here, never a 500).
    amount_sar: float = Field(ge=0.01, le=1_000_000_000, allow_inf_nan=False,
                              description="Collected, SAR excluding VAT; rounded half-up to the halala (0.01).")
    collected_on: date


class DealResponse(BaseModel):
    deal: PartnerDeal
    commission: Commission


class RevenueResponse(BaseModel):
    summary: RevenueSummary


__all__ = [
    "AgreementRequest", "AgreementResponse", "BriefRequest", "BriefResponse", "DealRequest", "DealResponse",
    "DecisionRequest", "DecisionResponse", "MessageDraftRequest", "MessageDraftResponse", "OfferRequest",
    "OfferResponse", "ReferralRequest", "ReferralResponse", "RevenueResponse", "ScoreRequest", "ScoreResponse",
    "SuggestionsResponse",
]
