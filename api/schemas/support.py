"""Request and response schemas of ``/api/v1/support``. The tenant always comes from the API key.

Lists show a masked preview of each ticket (phones, emails, ids replaced by pseudonyms); the full
text and the contact details are only in the single-ticket view.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.partners import DecisionRequest, DecisionResponse
from api.schemas.rules import WholeNumber
from skills.approval import Outcome as DraftOutcome
from skills.support.models import (
    Category,
    ChurnRisk,
    Classification,
    CsatRecord,
    Escalation,
    Priority,
    ReplyDraft,
    SlaStatus,
    Ticket,
    TicketSource,
    TicketStatus,
)
from tools.models import ApprovalRequest

MAX_TEXT = 20_000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketCreate(_Request):
    source: TicketSource = Field(default="api", description="email (raw message or body), whatsapp, or api.")
    text: str = Field(min_length=1, max_length=MAX_TEXT,
                      description="The message: a raw email, a WhatsApp text or export line, or plain text.")
    subject: str | None = Field(default=None, max_length=300)
    customer_email: str | None = Field(default=None, max_length=320)
    customer_phone: str | None = Field(default=None, max_length=40)
    customer_name: str | None = Field(default=None, max_length=200)
    customer_id: str | None = Field(default=None, max_length=120, description="Your own account id, if any.")


class TicketSummary(BaseModel):
    ticket_id: str
    source: TicketSource
    category: Category
    category_ar: str
    priority: Priority
    status: TicketStatus
    customer_ref: str
    preview: str = Field(description="The first characters of the text, personal data masked.")
    flags: list[str]
    created_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    escalation: str


class TicketResponse(BaseModel):
    ticket: Ticket
    sla: SlaStatus


class TicketListResponse(BaseModel):
    tickets: list[TicketSummary]


class StatusRequest(_Request):
    status: TicketStatus


class CsatRequest(_Request):
    score: WholeNumber = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy), a whole number.")
    comment: str | None = Field(default=None, max_length=2000)


class CsatResponse(BaseModel):
    csat: CsatRecord


class ClassifyRequest(_Request):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    subject: str | None = Field(default=None, max_length=300)


class ClassifyResponse(BaseModel):
    classification: Classification


class ReplyDraftResponse(BaseModel):
    thread_id: str = Field(description="The customer-ops graph thread waiting on the approval.")
    ticket_id: str
    reply: ReplyDraft | None
    outcome: DraftOutcome | None
    approval: ApprovalRequest | None = Field(description="The pending approval: nothing is drafted before it.")


class SlaReportResponse(BaseModel):
    attention: list[SlaStatus] = Field(description="Open tickets with a warning or a breach, most severe first.")


class EscalationResponse(BaseModel):
    escalations: list[Escalation]


class ChurnResponse(BaseModel):
    customers: list[ChurnRisk] = Field(description="Highest risk first.")


__all__ = [
    "ChurnResponse", "ClassifyRequest", "ClassifyResponse", "CsatRequest", "CsatResponse", "DecisionRequest",
    "DecisionResponse", "EscalationResponse", "ReplyDraftResponse", "SlaReportResponse", "StatusRequest",
    "TicketCreate", "TicketListResponse", "TicketResponse", "TicketSummary",
]
