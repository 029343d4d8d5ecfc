"""What a conversation turn streams, event by event (server-sent events in the API).

    route ............. where the request went (intent, skill, via classifier | model | refusal)
    tool_call ......... a gateway decision a skill asked for (action, mode, Arabic reason, audit event)
    approval_request .. an action waiting for a person (the agent-inbox payload, for the inbox)
    card .............. a decision card from the cards module, when present (at most 3 buttons)
    text .............. a piece of the reply (plain text)
    error ............. the turn failed; code and Arabic message
    done .............. the turn is over
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from skills.operator.labels import label
from tools.models import ApprovalRequest, ApprovalStatus, GatewayResult, Role
from tools.policy import Policy


class ApprovalView(BaseModel):
    """A pending (or decided) approval as an approver sees it."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    thread_id: str
    skill: str
    action: str
    label_ar: str = Field(description="The action's name in Arabic.")
    label_en: str = Field(default="", description="The action's name in English.")
    args: dict[str, Any] = Field(description="What would run: recipient, subject, body ... (editable).")
    description: str = Field(description="Arabic Markdown shown to the approver (rendered as text).")
    contact_id: str | None
    approver_roles: list[Role]
    requested_at: datetime
    expires_at: datetime
    status: ApprovalStatus
    can_decide: bool = Field(description="Whether the caller's role may decide it.")

    @classmethod
    def of(cls, request: ApprovalRequest, policy: Policy, role: Role) -> ApprovalView:
        action = request.action_request.action
        return cls(approval_id=request.approval_id, thread_id=request.thread_id, skill=request.skill, action=action,
                   label_ar=label("actions", action, "ar"), label_en=label("actions", action, "en"),
                   args=dict(request.action_request.args),
                   description=request.description, contact_id=request.contact_id,
                   approver_roles=list(request.approver_roles), requested_at=request.requested_at,
                   expires_at=request.expires_at, status=request.status, can_decide=role in request.approver_roles)


class RouteEvent(BaseModel):
    type: Literal["route"] = "route"
    intent: str
    skill: str | None
    via: str
    confidence: float
    lang: Literal["ar", "en"]


class ToolCallEvent(BaseModel):
    type: Literal["tool_call"] = "tool_call"
    skill: str
    action: str
    mode: str
    allowed: bool
    reason_code: str
    reason_ar: str
    audit_event: str
    label_ar: str = Field(default="", description="The action in Arabic words (the UI never shows the id).")
    label_en: str = ""
    mode_ar: str = Field(default="", description="The mode in Arabic words.")
    mode_en: str = ""

    @classmethod
    def of(cls, skill: str, result: GatewayResult) -> ToolCallEvent:
        d = result.decision
        return cls(skill=skill, action=d.action, mode=d.mode.value, allowed=d.allowed, reason_code=d.reason_code,
                   reason_ar=d.reason_ar, audit_event=d.audit_event, label_ar=label("actions", d.action, "ar"),
                   label_en=label("actions", d.action, "en"), mode_ar=label("modes", d.mode.value, "ar"),
                   mode_en=label("modes", d.mode.value, "en"))


class ApprovalRequestEvent(BaseModel):
    type: Literal["approval_request"] = "approval_request"
    approval: ApprovalView
    card: dict[str, Any] | None = Field(default=None, description="Its decision card (cards module), when present.")


class CardEvent(BaseModel):
    type: Literal["card"] = "card"
    card: dict[str, Any] = Field(description="A decision card (cards module): title, why now, at most 3 buttons.")


class TextEvent(BaseModel):
    type: Literal["text"] = "text"
    text: str


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message_ar: str
    message_en: str


class DoneEvent(BaseModel):
    type: Literal["done"] = "done"
    thread_id: str
    intent: str | None = None


ThreadEvent = Annotated[
    RouteEvent | ToolCallEvent | ApprovalRequestEvent | CardEvent | TextEvent | ErrorEvent | DoneEvent,
    Field(discriminator="type"),
]
THREAD_EVENT: TypeAdapter[ThreadEvent] = TypeAdapter(ThreadEvent)
