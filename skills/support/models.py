"""Typed records of Customer Ops: tickets, their classification, SLA clocks, CSAT and churn risk.

A ticket's body and contact details are personal data: they are stored (the team needs them to
answer) but never logged, never put in an audit payload, and never shown in list views unmasked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from prompts.loader import PromptRef
from tools.models import Role

TicketSource = Literal["email", "whatsapp", "api"]
ReplyChannel = Literal["email", "whatsapp"]
Category = Literal["billing", "onboarding", "technical", "data_encoding", "complaint", "cancellation_risk",
                   "feature_request", "other"]
CATEGORIES: tuple[Category, ...] = ("billing", "onboarding", "technical", "data_encoding", "complaint",
                                    "cancellation_risk", "feature_request", "other")
Priority = Literal["urgent", "high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")  # ascending
TicketStatus = Literal["open", "in_progress", "waiting_customer", "resolved", "closed"]
Language = Literal["ar", "en", "mixed"]
TicketFlag = Literal["suspicious_instructions", "low_confidence"]
ClockName = Literal["first_response", "resolution"]
ClockState = Literal["met", "late", "ok", "warning", "breached"]
EscalationLevel = Literal["none", "warning", "breach", "critical_breach"]
ChurnLevel = Literal["low", "medium", "high"]
ChurnSignalKind = Literal["cancellation_words", "complaint", "low_csat", "sla_breach", "repeat_tickets"]
CsatScore = Annotated[int, Field(ge=1, le=5, description="Customer satisfaction, 1 (very unhappy) to 5.")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Classification(_Frozen):
    category: Category
    category_ar: str
    confidence: float = Field(ge=0, le=1)
    scores: dict[str, float] = Field(description="Score per category that matched (0 omitted).")
    evidence: tuple[str, ...] = Field(description="The terms that matched, as folded for matching.")
    secondary: tuple[Category, ...] = Field(description="Other categories that matched, strongest first.")
    language: Language
    priority: Priority
    urgent_terms: tuple[str, ...] = ()
    flags: tuple[TicketFlag, ...] = ()
    rules_version: str


class IncomingTicket(_Frozen):
    """What intake produces from an email, a WhatsApp message or an API call."""

    source: TicketSource
    subject: str | None = Field(default=None, max_length=300)
    body: str = Field(min_length=1)
    customer_name: str | None = Field(default=None, max_length=200)
    customer_email: str | None = None
    customer_phone: str | None = Field(default=None, description="E.164 when it could be read.")
    customer_id: str | None = Field(default=None, max_length=120, description="The tenant's own account id.")


class Ticket(_Frozen):
    ticket_id: str
    tenant: str
    source: TicketSource
    customer_ref: str = Field(description="Stable pseudonymous customer key (account id or keyed contact tag).")
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    subject: str | None
    body: str
    classification: Classification
    priority: Priority
    status: TicketStatus
    owner_role: Role
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    first_response_due: datetime
    resolution_due: datetime
    escalation: EscalationLevel = "none"


class SlaClock(_Frozen):
    clock: ClockName
    target_minutes: int
    due_at: datetime
    elapsed_minutes: float = Field(description="Business minutes used so far (or until met).")
    remaining_minutes: float = Field(description="Business minutes left; negative once breached.")
    state: ClockState
    stopped_at: datetime | None = Field(description="When the clock stopped (response sent / resolved).")


class SlaStatus(_Frozen):
    ticket_id: str
    priority: Priority
    first_response: SlaClock
    resolution: SlaClock
    state: ClockState = Field(description="The worse of the two clocks.")
    level: EscalationLevel = Field(description="Escalation this state calls for.")
    message_ar: str | None = Field(default=None, description="Warning or breach text, when there is one.")


class Escalation(_Frozen):
    ticket_id: str
    level: EscalationLevel
    role: Role
    message_ar: str
    at: datetime
    card_id: str | None = Field(default=None, description="The card published for it, when cards are available.")


class CsatRecord(_Frozen):
    ticket_id: str
    score: CsatScore
    comment: str | None = Field(default=None, max_length=2000)
    recorded_at: datetime


class ChurnSignal(_Frozen):
    kind: ChurnSignalKind
    count: int
    points: float
    reason_ar: str
    ticket_ids: tuple[str, ...] = ()


class ChurnRisk(_Frozen):
    customer_ref: str
    customer_name: str | None
    score: float = Field(ge=0, le=100)
    level: ChurnLevel
    level_ar: str
    signals: tuple[ChurnSignal, ...]
    tickets: int


class ReplyDraft(_Frozen):
    """A guarded reply text for one ticket; the graph turns a ready one into a draft tool call."""

    ticket_id: str
    channel: ReplyChannel
    language: Literal["ar", "en"]
    subject: str | None
    body: str
    status: Literal["ready", "needs_review"]
    guard_problems: tuple[str, ...] = ()
    prompt: PromptRef
