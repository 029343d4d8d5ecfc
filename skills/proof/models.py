"""The proof pack: what Dealix created, protected and left for a decision in one period, and what
that may be worth, as one typed, frozen document every renderer reads.

    ProofPack
      period ............. Riyadh days, Gregorian and Hijri
      created ............ WorkLine per revenue work unit type (counts trace to audit events)
      protected .......... blocked risks by reason, opt-outs honoured, deal risks detected
      awaiting_approval .. pending approvals, earliest expiry first
      revenue_estimate ... low / likely / high in SAR, each line's formula, every assumption shown
      next_action ........ the first advice rule that applies
      upgrade_path ....... the upgrade steps that apply
      audit .............. the hash chain's verification and the events in the period
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.models import Role, RWUType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PeriodView(_Frozen):
    start: date = Field(description="First day (Asia/Riyadh).")
    end: date = Field(description="Last day, included (Asia/Riyadh).")
    timezone: Literal["Asia/Riyadh"] = "Asia/Riyadh"
    start_ar: str = Field(description="First day in Arabic, Gregorian with Hijri beside it.")
    end_ar: str = Field(description="Last day in Arabic, Gregorian with Hijri beside it.")


class WorkLine(_Frozen):
    type: RWUType
    label_ar: str
    label_en: str
    count: int = Field(ge=0)
    detail_ar: str | None = Field(default=None, description="A figure behind the count, e.g. leads ranked.")
    audit_events: list[str] = Field(default_factory=list, description="The first audit events behind the count.")


class ProtectionLine(_Frozen):
    reason_code: str
    label_ar: str
    count: int = Field(ge=1)


class ProtectedSection(_Frozen):
    total: int = Field(ge=0, description="Risks blocked + contacts protected + deal risks detected.")
    risks_blocked: int = Field(ge=0)
    contacts_protected: int = Field(ge=0)
    opt_outs_honoured: int = Field(ge=0, description="Attempts stopped because the contact opted out.")
    deal_risks_detected: int = Field(ge=0)
    lines: list[ProtectionLine] = Field(description="Blocked attempts by reason, most frequent first.")

    @model_validator(mode="after")
    def _adds_up(self) -> ProtectedSection:
        # The header's total is the sum of the categories shown under it, and the by-reason lines split the
        # blocked attempts (risks and contacts) without counting one twice. Opt-outs are one of those
        # reasons, so they are a line of the table, never a category of their own beside it.
        if self.total != self.risks_blocked + self.contacts_protected + self.deal_risks_detected:
            raise ValueError("protected.total is not the sum of its categories")
        if sum(line.count for line in self.lines) != self.risks_blocked + self.contacts_protected:
            raise ValueError("the by-reason lines do not add up to the blocked attempts")
        return self

    @property
    def blocked(self) -> int:
        """Attempts stopped (risks blocked + contacts protected): what the by-reason lines split."""
        return self.risks_blocked + self.contacts_protected


class PendingApprovalView(_Frozen):
    approval_id: str
    action: str
    label_ar: str
    requested_at: datetime
    expires_at: datetime
    expires_ar: str
    approver_roles: list[Role]
    approver_roles_ar: list[str]


class ApprovalSection(_Frozen):
    count: int = Field(ge=0)
    items: list[PendingApprovalView] = Field(description="Earliest expiry first; at most the first 20.")
    more: int = Field(default=0, ge=0, description="Pending approvals not listed.")


class AssumptionView(_Frozen):
    key: str
    label_ar: str
    label_en: str
    unit: Literal["ratio", "sar"]
    value: float
    low: float
    high: float
    display_ar: str = Field(description="The value and range as a person reads them.")
    source_ar: str
    source_en: str


class EstimateLine(_Frozen):
    stage: RWUType
    label_ar: str
    count: int = Field(ge=0, description="Contacts (or units without a contact) counted at this stage.")
    assumptions: list[str] = Field(description="Keys of the assumptions multiplied.")
    base_sar: float | None = Field(default=None, description="Invoice subtotal used instead of a deal value.")
    low_sar: float = Field(ge=0)
    likely_sar: float = Field(ge=0)
    high_sar: float = Field(ge=0)
    formula_ar: str


class RevenueEstimate(_Frozen):
    is_estimate: Literal[True] = True
    currency: Literal["SAR"] = "SAR"
    low_sar: float = Field(ge=0)
    likely_sar: float = Field(ge=0)
    high_sar: float = Field(ge=0)
    lines: list[EstimateLine]
    assumptions: list[AssumptionView]
    method_ar: str
    disclaimer_ar: str = Field(min_length=20)
    disclaimer_en: str = Field(min_length=20)
    assumptions_version: str

    @model_validator(mode="after")
    def _ordered(self) -> RevenueEstimate:
        if not self.low_sar <= self.likely_sar <= self.high_sar:
            raise ValueError("an estimate needs low <= likely <= high")
        return self


class Advice(_Frozen):
    rule_id: str
    title_ar: str
    detail_ar: str
    command: str | None = None


class AuditStatus(_Frozen):
    chain_ok: bool
    events_checked: int
    problem: str | None = None
    events_in_period: int
    summary_ar: str


class ProofPack(_Frozen):
    pack_id: str
    tenant: str
    period: PeriodView
    generated_at: datetime
    generated_ar: str
    policy_version: str
    created: list[WorkLine]
    created_total: int = Field(ge=0)
    protected: ProtectedSection
    awaiting_approval: ApprovalSection
    revenue_estimate: RevenueEstimate
    next_action: Advice
    upgrade_path: list[Advice]
    audit: AuditStatus
    audit_event: str | None = Field(default=None, description="Audit event of this pack's proof.pack_build.")
