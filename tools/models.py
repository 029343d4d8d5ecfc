"""The contracts of the governed tool layer.

These shapes are what the runtime, the API, the cards and the evals all speak; keep them stable.
Every model is frozen: a decision or an audit event is a fact, not a draft.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Mode(StrEnum):
    """What the gateway lets an action do, from least to most restrictive (``approved_execute`` aside)."""

    suggest_only = "suggest_only"
    draft_only = "draft_only"
    approval_required = "approval_required"
    approved_execute = "approved_execute"
    blocked = "blocked"


# Strictness for tenant overlays: an overlay may only move an action to a stricter mode.
MODE_STRICTNESS: dict[Mode, int] = {
    Mode.suggest_only: 0,
    Mode.draft_only: 1,
    Mode.approval_required: 2,
    Mode.approved_execute: 2,
    Mode.blocked: 3,
}


class Role(StrEnum):
    ceo = "ceo"
    sales_manager = "sales_manager"
    growth_manager = "growth_manager"
    agency_partner = "agency_partner"
    service_delivery = "service_delivery"
    support = "support"
    self_growth = "self_growth"


class Channel(StrEnum):
    email = "email"
    whatsapp = "whatsapp"
    phone = "phone"
    sms = "sms"
    calendar = "calendar"
    meeting_transcript = "meeting_transcript"
    all = "all"


class RWUType(StrEnum):
    """Revenue work units: the proof that a decision delivered value (or prevented harm)."""

    opportunity_created = "opportunity_created"
    target_ranked = "target_ranked"
    contact_blocked = "contact_blocked"
    draft_created = "draft_created"
    approval_collected = "approval_collected"
    meeting_drafted = "meeting_drafted"
    partner_suggested = "partner_suggested"
    proof_generated = "proof_generated"
    payment_link_drafted = "payment_link_drafted"
    deal_risk_detected = "deal_risk_detected"
    risk_blocked = "risk_blocked"
    followup_created = "followup_created"
    support_ticket_resolved = "support_ticket_resolved"


class Caller(BaseModel):
    """An authenticated person or service. Never read from a tool payload."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, description="Stable id of the authenticated caller.")
    tenant: str = Field(min_length=1, description="The tenant the caller belongs to.")
    role: Role = Field(description="The caller's role; decides which approvals it may give.")


class ToolCall(BaseModel):
    """One request from an agent or skill to act on the world."""

    model_config = ConfigDict(frozen=True)

    tenant: str = Field(min_length=1, description="Tenant on whose behalf the call is made.")
    skill: str = Field(min_length=1, description="The skill that asks; its declared actions bound it.")
    action: str = Field(min_length=1, description="Action id as requested, e.g. 'gmail.draft'.")
    args: dict[str, Any] = Field(default_factory=dict, description="Arguments for the connector.")
    thread_id: str = Field(default="adhoc", description="Graph thread (or session) this call belongs to.")
    tool_call_id: str = Field(default="0", description="Id of the call inside its thread.")
    contact_id: str | None = Field(default=None, description="Contact the action reaches, if any.")


class PolicyDecision(BaseModel):
    """The gateway's answer to one tool call."""

    model_config = ConfigDict(frozen=True)

    allowed: bool = Field(description="False only when the action is blocked.")
    mode: Mode
    action: str = Field(description="Canonical action id the decision is about.")
    reason_ar: str = Field(description="Why, in Arabic, for the operator.")
    reason_en: str = Field(description="Why, in English, for logs and API clients.")
    reason_code: str = Field(description="Stable machine code of the rule that decided.")
    approval_required: bool
    audit_event: str = Field(description="Id of the audit event that records this decision.")
    proof_impact: RWUType | None = Field(description="The revenue work unit this decision produced.")
    policy_version: str
    policy_hash: str
    approval_id: str | None = Field(default=None, description="Set when an approval was requested.")
    args_digest: str = Field(description="Digest binding any approval to exactly these arguments.")


RecipientStatus = Literal["safe", "needs_review", "blocked"]


class RecentTouch(BaseModel):
    """One outreach delivered to a lead (or to someone sharing the address)."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(description="email, whatsapp or phone.")
    at: datetime = Field(description="When the outreach was delivered.")
    replied: bool = Field(default=False, description="The person answered it.")


class RecipientCheck(BaseModel):
    """The lead directory's answer about one recipient address of one outreach action."""

    model_config = ConfigDict(frozen=True)

    contact_id: str = Field(description="The lead checked: the kept lead after merges.")
    status: RecipientStatus
    reason_code: str = Field(description="Stable machine code of the reason, e.g. opted_out_registry.")
    reason_ar: str
    reason_en: str
    address_known: bool = Field(description="The address is one of the lead's (or its duplicates') contact points.")
    last_touches: tuple[RecentTouch, ...] = Field(default=(), description="The latest touches, newest first.")
    provenance: str | None = Field(default=None, description="Where the lead came from (source, file, row).")
    related_ids: tuple[str, ...] = Field(
        default=(), description="Every lead id this outreach reaches: the lead, its merged duplicates and any "
                                "other lead with the same address (the one-outreach-a-day rule counts them all).")


ApprovalResponse = Literal["accept", "edit", "response", "ignore"]
ApprovalVerdict = Literal["approve", "edit", "reject"]
ApprovalStatus = Literal["pending", "approved", "rejected", "expired", "consumed", "superseded"]


class ActionRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    args: dict[str, Any]


class HumanInterruptConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    allow_ignore: bool = True
    allow_respond: bool = True
    allow_edit: bool = True
    allow_accept: bool = True


class ApprovalRequest(BaseModel):
    """The interrupt payload, shaped like agent-inbox's ``HumanInterrupt`` plus Dealix fields."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    action_request: ActionRequest
    config: HumanInterruptConfig = Field(default_factory=HumanInterruptConfig)
    description: str = Field(description="Arabic markdown shown to the approver.")
    tenant: str
    skill: str
    thread_id: str
    tool_call_id: str
    contact_id: str | None = Field(default=None, description="Contact the action reaches, if any.")
    args_digest: str
    policy_version: str
    approver_roles: tuple[Role, ...]
    requested_at: datetime
    expires_at: datetime
    status: ApprovalStatus = "pending"
    recipient: RecipientCheck | None = Field(
        default=None, description="For an outreach: the recipient's contactability and last touches, as checked "
                                  "when the approval was requested.")


class ApprovalDecision(BaseModel):
    """What a human decided, by whom (from authentication) and when."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    verdict: ApprovalVerdict
    decided_by: str
    role: Role
    decided_at: datetime
    reason: str | None = None
    edited_args: dict[str, Any] | None = None
    token: str | None = Field(default=None, description="Present when approved: pass it to execute.")
    new_decision: PolicyDecision | None = Field(
        default=None, description="For an edit: the policy decision on the edited arguments."
    )


class AuditEvent(BaseModel):
    """One link of the hash chain. ``payload`` is PII-masked before it is hashed and stored."""

    model_config = ConfigDict(frozen=True)

    seq: int
    event_id: str
    ts: datetime
    tenant: str
    kind: str
    actor: str
    action: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class RevenueWorkUnit(BaseModel):
    model_config = ConfigDict(frozen=True)

    rwu_id: str
    tenant: str
    type: RWUType
    audit_event: str
    ts: datetime
    ref: str | None = Field(default=None, description="What it is about: ledger id, approval id, lead id.")
    value_sar: float | None = Field(default=None, description="Estimated value in SAR, when known.")


ExecutionStatus = Literal["executed", "already_executed", "in_progress", "in_doubt", "not_executed"]


class ExecutionResult(BaseModel):
    """What a connector delivered, as recorded in the side-effect ledger."""

    model_config = ConfigDict(frozen=True)

    status: ExecutionStatus
    ledger_id: str | None = None
    action: str
    outbox_path: str | None = Field(default=None, description="File holding exactly what left.")
    detail: dict[str, Any] = Field(default_factory=dict)


class GatewayResult(BaseModel):
    """A decision, plus the execution when the decision let one happen."""

    model_config = ConfigDict(frozen=True)

    decision: PolicyDecision
    execution: ExecutionResult | None = None
    approval: ApprovalRequest | None = None
