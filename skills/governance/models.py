"""The typed results of the governance surfaces (also the API's response bodies)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.models import Role

RiskLevel = Literal["low", "medium", "high"]
ContradictionKind = Literal["opt_out_contact", "policy_blocked_card", "lead_in_two_threads", "won_without_invoice",
                            "partner_is_competitor", "forecast_vs_ledger", "skill_out_of_scope"]
CONTRADICTION_KINDS: tuple[ContradictionKind, ...] = (
    "opt_out_contact", "policy_blocked_card", "lead_in_two_threads", "won_without_invoice",
    "partner_is_competitor", "forecast_vs_ledger", "skill_out_of_scope")
Framework = Literal["pdpl", "zatca", "sdaia", "nca"]
ControlStatus = Literal["met", "gap", "no_data"]
CheckId = Literal["consent_coverage", "pii_masking", "retention_policy", "privacy_desk", "zatca_fields",
                  "approvals_enforced", "audit_chain", "least_privilege"]
Verdict = Literal["approved", "rejected", "edited", "expired"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# ---------------------------------------------------------------- approval centre
class ApprovalSla(_Frozen):
    """A pending approval with its age and SLA, both in Saudi business minutes."""

    approval_id: str
    action: str
    action_label_ar: str
    skill: str
    thread_id: str
    approver_roles: tuple[Role, ...]
    risk_level: RiskLevel
    requested_at: datetime
    expires_at: datetime
    age_business_minutes: int = Field(
        description="Business minutes since the request (Sun–Thu 09–18 Riyadh, minus holidays).")
    sla_business_minutes: int
    due_at: datetime = Field(description="When the SLA is breached.")
    breached: bool
    escalate_to: Role | None = Field(default=None, description="The next role, when the SLA is breached.")


class DecisionRecord(_Frozen):
    """A decided approval from the audit log: who, when, why. An expiry counts as a denial."""

    approval_id: str | None
    action: str | None
    verdict: Verdict
    denied: bool
    decided_by: str
    decided_at: datetime
    reason: str | None = None
    audit_event: str


class Bucket(_Frozen):
    key: str
    pending: int
    breached: int


class ApprovalCentre(_Frozen):
    generated_at: datetime
    sla_version: str
    pending: list[ApprovalSla]
    breached: int
    by_role: list[Bucket]
    by_action: list[Bucket]
    by_risk: list[Bucket]
    decisions: list[DecisionRecord] = Field(description="Most recent first.")


class SweepReport(_Frozen):
    """What an SLA sweep did: approvals escalated (one risk card each) and approvals expired into a denial."""

    escalated: list[str]
    cards_published: int
    expired: list[str]


# ---------------------------------------------------------------- contradictions
class Contradiction(_Frozen):
    kind: ContradictionKind
    ref: str = Field(description="Stable key of this contradiction (the card is keyed by it).")
    risk_level: RiskLevel
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    title_ar: str
    evidence_ar: str
    resolution_ar: str
    evidence: dict[str, str] = Field(description="The records that disagree (ids, states, figures).")


class ContradictionReport(_Frozen):
    generated_at: datetime
    contradictions: list[Contradiction]
    by_kind: dict[str, int]
    cards_published: int = 0


# ---------------------------------------------------------------- compliance
class ControlView(_Frozen):
    id: str
    framework: Framework
    framework_ar: str
    reference: str
    requirement_ar: str
    requirement_en: str
    how_ar: str
    how_en: str
    evidence: str
    check: CheckId
    status: ControlStatus
    status_ar: str
    detail: str = Field(description="What the live check found (English; figures only, never personal data).")


class ComplianceReport(_Frozen):
    version: str
    generated_at: datetime
    note_en: str = "Dealix's own mapping of its controls; not legal advice."
    controls: list[ControlView]
    met: int
    gaps: int
    no_data: int


# ---------------------------------------------------------------- forecast vs actual
Granularity = Literal["week", "month"]
PeriodState = Literal["closed", "current", "future"]


class StageLine(_Frozen):
    """The forecast of one stage of one track: deals, their value and the weighted value."""

    track: str
    track_ar: str
    stage: str
    stage_ar: str
    probability: float
    deals: int
    value_sar: float
    weighted_sar: float


class DealLine(_Frozen):
    """A deal as the forecast counted it, and where it stands now."""

    deal_id: str
    company_name: str
    track: str
    stage: str = Field(description="The stage the forecast counted (at the period's start).")
    stage_ar: str
    value_sar: float
    probability: float
    weighted_sar: float
    expected_close: date = Field(description="The expected close date the forecast counted.")
    stage_now: str
    expected_close_now: date


class ForecastPeriod(_Frozen):
    key: str = Field(description="W2026-11-15 for a week (its Sunday), 2026-11 for a month.")
    label_ar: str
    label_en: str
    start: date = Field(description="First Riyadh day (a Sunday for a week).")
    end: date = Field(description="Last Riyadh day, included.")
    state: PeriodState
    forecast_sar: float = Field(description="Σ value × stage probability of the deals expected to close in it.")
    actual_sar: float = Field(description="Invoice drafts in the proof ledger (subtotal before VAT).")
    gap_sar: float = Field(description="actual − forecast.")
    gap_pct: float | None = Field(description="gap / forecast × 100; None when nothing was forecast.")
    won_sar: float = Field(description="Value of the deals marked won in the deal book in this period.")
    invoices: int
    by_stage: list[StageLine]
    won_as_forecast: list[DealLine]
    slipped: list[DealLine]
    lost: list[DealLine]
    won_unforecast: list[DealLine]
    still_open: list[DealLine] = Field(description="Forecast deals of a period not over yet, still open.")
    explanation_ar: list[str]
    explanation_en: list[str]


class ForecastReport(_Frozen):
    generated_at: datetime
    granularity: Granularity
    start: date
    end: date
    stages_version: str
    actual_source_ar: str
    actual_source_en: str
    forecast_basis_ar: str
    forecast_basis_en: str
    periods: list[ForecastPeriod]
    pipeline_now: list[StageLine] = Field(description="Open deals now, by track and stage.")
    referrals_without_deal: list[str] = Field(description="Open partner referrals the deal book does not carry.")


# ---------------------------------------------------------------- executive room
class HeatCell(_Frozen):
    likelihood: int
    impact: int
    count: int


class Tally(_Frozen):
    key: str
    count: int


class ViolationsBoard(_Frozen):
    """Blocked attempts from the audit log, grouped three ways."""

    total: int
    by_action: list[Tally]
    by_skill: list[Tally]
    by_source: list[Tally] = Field(description="By the gateway's reason code.")


class ProofWeek(_Frozen):
    start: date
    end: date
    units: int
    by_type: list[Tally]


class ExecutiveRoom(_Frozen):
    generated_at: datetime
    decisions_today: list[DecisionRecord]
    approvals_waiting: int
    approvals_breaching: list[ApprovalSla]
    top_risks: list[Contradiction]
    contradictions: int
    proof_week: ProofWeek
    compliance: dict[ControlStatus, int]
    compliance_gaps: list[str] = Field(description="Ids of the controls with a gap.")
    heatmap: list[HeatCell] = Field(description="Open risks by likelihood x impact (1–5 each).")
    violations: ViolationsBoard
    forecast: ForecastReport | None = Field(default=None, description="Forecast vs actual, recent weeks.")
    model_health: Literal["ok", "degraded", "no_data"] | None = Field(
        default=None, description="The model layer over the last 7 days: ok, degraded (calls fell back) or no_data "
        "(the model-routing view has the detail).")


# ---------------------------------------------------------------- connectors
ConnectorState = Literal["disabled", "safe_mode", "configured", "live"]


class ConnectorView(_Frozen):
    name: str
    category: str
    launch_phase: str
    risk_level: RiskLevel
    safe_default: str
    state: ConnectorState
    enabled: bool = Field(description="Runs at all in this deployment (in its safe mode or beyond).")
    credentials_present: bool = Field(description="All its environment variables are set (values never shown).")
    credentials_required: int
    actions: list[str]
    runs: int = Field(description="This tenant's finished runs through its actions (side-effect ledger).")
    failures: int
    error_rate: float | None
    last_success: datetime | None
    last_failure: datetime | None
    tenant_enabled: bool = Field(default=True, description="This tenant's own switch (an extra gate, never a bypass).")
    tenant_switch_explicit: bool = Field(default=False, description="False: the integration's default applies.")
    enable_needs_approval: bool = Field(default=False, description="Enabling it needs an approval (high risk).")
    pending_enable_approval: str | None = Field(default=None, description="A pending connector.enable approval.")


class ConnectorReport(_Frozen):
    generated_at: datetime
    registry_version: str
    connectors: list[ConnectorView]
