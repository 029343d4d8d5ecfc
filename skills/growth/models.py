"""Typed records of the growth loop: follow-ups, experiments, outcomes, scores and the weekly report.

Every model is frozen: a follow-up suggestion, an experiment result or a score is a fact computed at
one moment, not a draft to edit. Ids that reach the ledger are lead ids, never phones or emails.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ObjectionClass = Literal[
    "price", "timing", "trust", "already_have_agency", "need_team_approval", "not_priority", "send_details",
    "want_guarantee", "unknown",
]
ScoreId = Literal["acquisition", "delivery", "proof", "safety", "revenue", "customer_success", "partner", "learning"]
SCORE_IDS: tuple[ScoreId, ...] = ("acquisition", "delivery", "proof", "safety", "revenue", "customer_success",
                                  "partner", "learning")
ExperimentKind = Literal["message", "channel", "offer", "timing"]
ExperimentMetric = Literal["reply", "meeting", "approval"]
ExperimentStatus = Literal["running", "concluded"]
Verdict = Literal["winner", "no_difference", "insufficient_sample"]
TestMethod = Literal["two_proportion_z", "fisher_exact"]
OutcomeEvent = Literal["drafted", "approved", "edited", "rejected", "blocked", "replied", "no_reply", "meeting_booked",
                       "objection"]
DraftChannel = Literal["email", "whatsapp"]
PlanChannel = Literal["email", "whatsapp", "phone", "partner_intro", "event"]
FollowupStatus = Literal["scheduled", "cooldown"]

_SLUG = r"^[a-z][a-z0-9_]{0,47}$"
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])(?:\+|00)?\d[\d \-]{5,16}\d(?![A-Za-z0-9])")
_NOT_PLAIN = re.compile(r"[<>\x00-\x1f\x7f]")
_KEY = r"^[\w.:\- ]{1,80}$"  # segment and message keys: letters (any script), digits, . : - _ and spaces


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _is_phone(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "SA"))
    except phonenumbers.NumberParseException:
        return False


def _pseudonymous(value: str) -> str:
    """Lead and contact ids only: a phone number or an email address never becomes a ledger key."""
    if "@" in value or any(_is_phone(m.group(0)) for m in _DIGIT_RUN.finditer(value)):
        raise ValueError("use the lead id, not a phone number or an email address")
    return value


def _plain(value: str | None) -> str | None:
    """Names and labels are plain text: no markup, no control characters."""
    if value is not None and _NOT_PLAIN.search(value):
        raise ValueError("plain text only: no '<', '>' or control characters")
    return value


# ---------------------------------------------------------------------------------------- follow-ups
class FollowupSuggestion(_Frozen):
    lead_id: str
    company_name: str
    channel: DraftChannel = Field(description="The channel of the draft this follows up.")
    step: int = Field(ge=1, description="1 for the first follow-up after today's draft.")
    status: FollowupStatus = Field(description="scheduled, or cooldown after unanswered touches.")
    due_at: datetime = Field(description="When to follow up (Asia/Riyadh, a business day, business hours).")
    due_hijri: str = Field(description="The due date in the Hijri calendar (Umm al-Qura), dd/mm/yyyy.")
    unanswered: int = Field(ge=0, description="Touches in a row without a reply, today's draft included.")
    reason_ar: str
    reason_en: str
    audit_event: str | None = Field(default=None, description="The gateway decision that recorded it.")


# ---------------------------------------------------------------------------------------- experiments
class Variant(_Frozen):
    variant_id: str = Field(pattern=_SLUG, description="Stable id, e.g. 'a' or 'short_subject'.")
    label_ar: str = Field(min_length=1, max_length=200, description="What the variant is, in Arabic.")
    weight: int = Field(default=1, ge=1, le=100, description="Relative share of contacts it receives.")
    detail: str | None = Field(default=None, max_length=200,
                               description="What differs: a template id, a channel, an offer id.")

    _check_text = field_validator("label_ar", "detail")(_plain)


class ExperimentCreate(_Frozen):
    experiment_id: str = Field(pattern=_SLUG)
    name_ar: str = Field(min_length=1, max_length=200)
    kind: ExperimentKind
    metric: ExperimentMetric = Field(description="The success each result records: a reply, a meeting, ...")
    variants: tuple[Variant, ...] = Field(min_length=2, max_length=5,
                                          description="The first variant is the control.")
    min_sample_per_variant: int | None = Field(default=None, ge=5, le=100000,
                                               description="Overrides the policy minimum (never lower than 5).")

    _check_text = field_validator("name_ar")(_plain)

    @model_validator(mode="after")
    def _unique_variants(self) -> ExperimentCreate:
        ids = [v.variant_id for v in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError("variant ids must be unique")
        return self


class Experiment(_Frozen):
    tenant: str
    experiment_id: str
    name_ar: str
    kind: ExperimentKind
    metric: ExperimentMetric
    variants: tuple[Variant, ...]
    min_sample_per_variant: int
    status: ExperimentStatus
    created_at: datetime
    concluded_at: datetime | None = None
    winner: str | None = None

    @property
    def control(self) -> Variant:
        return self.variants[0]


class Assignment(_Frozen):
    experiment_id: str
    contact_id: str
    variant_id: str
    bucket: int = Field(ge=0, description="The contact's hash bucket (stable across runs and processes).")


class ResultRecord(_Frozen):
    contact_id: str = Field(min_length=1, max_length=80, description="The lead id the result is about.")
    success: bool = Field(description="True when the experiment's metric happened (a reply, a meeting, ...).")

    _check_id = field_validator("contact_id")(_pseudonymous)


class VariantStats(_Frozen):
    variant_id: str
    label_ar: str
    n: int = Field(ge=0)
    successes: int = Field(ge=0)
    rate: float | None = Field(description="successes / n; None when n is 0.")


class Comparison(_Frozen):
    """One challenger against the control."""

    variant_id: str
    control_id: str
    method: TestMethod
    statistic: float | None = Field(description="z for the z-test; the sample odds ratio for Fisher's exact "
                                              "test (None when a zero cell makes it infinite).")
    p_value: float = Field(ge=0, le=1, description="Two-sided p-value of this comparison.")
    p_adjusted: float = Field(ge=0, le=1, description="Bonferroni-adjusted for the number of challengers.")
    difference: float = Field(description="Challenger rate minus control rate (absolute).")
    ci_low: float = Field(description="95% confidence interval of the difference (Newcombe hybrid score).")
    ci_high: float
    relative_lift: float | None = Field(description="difference / control rate; None when the control rate is 0.")
    cohens_h: float = Field(description="Effect size for two proportions.")
    significant: bool


class ExperimentAnalysis(_Frozen):
    experiment: Experiment
    variants: tuple[VariantStats, ...]
    comparisons: tuple[Comparison, ...]
    verdict: Verdict
    winner: str | None = Field(description="Only when the verdict is 'winner'.")
    alpha: float
    min_sample_per_variant: int
    message_ar: str
    message_en: str


# ---------------------------------------------------------------------------------------- outcomes
class OutcomeRecord(_Frozen):
    """One thing that happened to a lead, for the learning loop. No free text, no contact details."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"anyOf": [  # _objection_only_with_event
        {"required": ["objection"], "properties": {"event": {"const": "objection"}, "objection": {"type": "string"}}},
        {"properties": {"event": {"not": {"const": "objection"}}, "objection": {"type": "null"}}}]})

    lead_id: str = Field(min_length=1, max_length=80)
    occurred_at: datetime
    event: OutcomeEvent
    segment: str | None = Field(default=None, pattern=_KEY, description="The lead's segment, e.g. its sector id.")
    channel: PlanChannel | None = None
    message_id: str | None = Field(default=None, pattern=_KEY, description="Template or variant that was used.")
    objection: ObjectionClass | None = Field(default=None, description="Required when event is 'objection'.")

    _check_id = field_validator("lead_id")(_pseudonymous)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _not_a_number(cls, value: object) -> object:
        # pydantic would read a number as Unix seconds; the schema (and the contract run) says an ISO 8601 text
        if isinstance(value, int | float):
            raise ValueError("occurred_at is a date and time as text (e.g. 2026-11-16T10:00:00+03:00), not a number")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. +03:00)")
        return value

    @model_validator(mode="after")
    def _objection_only_with_event(self) -> OutcomeRecord:
        if (self.event == "objection") != (self.objection is not None):
            raise ValueError("an objection class goes with event 'objection', and only with it")
        return self


# ---------------------------------------------------------------------------------------- scores
class Score(_Frozen):
    score_id: ScoreId
    name_ar: str
    name_en: str
    value: int | None = Field(ge=0, le=100, description="0-100; None when there is no data.")
    status: Literal["ok", "no_data"]
    formula_ar: str
    formula_en: str
    inputs: dict[str, float] = Field(description="Every number the formula used, by name.")
    note_ar: str = ""


class Scorecard(_Frozen):
    window_start: datetime
    window_end: datetime
    chain_ok: bool
    scores: tuple[Score, ...]
    policy_version: str

    def score(self, score_id: ScoreId) -> Score:
        return next(s for s in self.scores if s.score_id == score_id)


# ---------------------------------------------------------------------------------------- weekly report
class GroupPick(_Frozen):
    key: str = Field(description="The segment, message id or channel.")
    label_ar: str
    metric: ExperimentMetric = Field(description="What the rate measures.")
    n: int
    positives: int
    rate: float
    line_ar: str


class ObjectionCount(_Frozen):
    objection: ObjectionClass
    label_ar: str
    count: int


class Recommendation(_Frozen):
    kind: str = Field(description="Which rule produced it (stable code).")
    text_ar: str
    text_en: str


class WeeklyReport(_Frozen):
    tenant: str
    week_start: date = Field(description="Sunday that opens the week (Asia/Riyadh).")
    week_end: date = Field(description="Saturday that closes it.")
    week_label_ar: str = Field(description="Gregorian and Hijri dates of the week.")
    generated_at: datetime
    outcomes_counted: int
    best_segment: GroupPick | None
    best_message: GroupPick | None
    best_channel: GroupPick | None
    worst_channel: GroupPick | None
    top_objections: tuple[ObjectionCount, ...]
    service_improvement: Recommendation
    next_experiment: Recommendation
    stop: Recommendation | None
    scores: Scorecard
    policy_version: str
    policy_digest: str


# ---------------------------------------------------------------------------------------- daily plan
class Prospect(_Frozen):
    """One of today's safe prospects (the pool of 20), as ranked by the Targeting OS."""

    lead_id: str
    rank: int = Field(ge=1)
    company_name: str
    segment: str | None = Field(description="The lead's sector id.")
    city_id: str | None
    score: float
    recommended_channel: PlanChannel
    channel_reason_ar: str


class PlanStep(Prospect):
    """One of today's top prospects and what to do with it."""

    draft_channel: DraftChannel | None = Field(description="Set when the copywriter drafts for this prospect.")
    manual_step_ar: str | None = Field(description="Set when a person does today's step (no draft).")
    why_now_ar: tuple[str, ...]
    card_id: str | None = Field(default=None, description="The opportunity card published for it.")


class DayScorecard(_Frozen):
    day: date
    day_hijri: str
    counts: dict[str, int] = Field(description="pool, top, cards, drafts, awaiting_approval, executed, ...")
    scores: Scorecard
    proof_pack_id: str | None = Field(default=None, description="The day's proof pack (skills.proof).")
    proof_audit_event: str | None = Field(default=None, description="Audit event of its proof.pack_build.")


__all__ = [
    "SCORE_IDS", "Assignment", "Comparison", "DayScorecard", "DraftChannel", "Experiment",
    "ExperimentAnalysis", "ExperimentCreate", "ExperimentKind", "ExperimentMetric", "FollowupSuggestion",
    "GroupPick", "ObjectionClass", "ObjectionCount", "OutcomeEvent", "OutcomeRecord", "PlanChannel", "PlanStep",
    "Prospect", "Recommendation", "ResultRecord", "Score", "ScoreId", "Scorecard", "TestMethod", "Variant",
    "VariantStats", "Verdict", "WeeklyReport",
]
