"""The customer-ops graph's skill nodes: thin adapters between graph state and :class:`SupportService`.

    customer_success_operator ... intake (create and classify the ticket) or load it; records
                                  ``support.ticket_update`` (internal) through the service
    sla_monitor ................. the ticket's SLA state; a warning or a breach escalates (and
                                  publishes a card when cards are configured)
    support_reply ............... the guarded reply draft, turned into one ``gmail.draft`` /
                                  ``whatsapp.draft`` call of the customer_success_operator skill
    record_response ............. after the approved draft was placed: the first-response clock stops

Ticket text never chooses a node or an action: the only action this graph can propose is the
reply draft, and the gateway decides it (review-first: a person approves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from skills.approval import ApprovalState, GovernedContext, Outcome
from skills.run_context import bound
from skills.support.errors import SupportError
from skills.support.models import Escalation, IncomingTicket, ReplyDraft, SlaStatus
from skills.support.replies import reply_call
from skills.support.service import SupportService

_NEEDS_REVIEW_AR = "لم تجتز مسودة الرد فحص الجودة والسلامة؛ أُحيلت للمراجعة ولن يُنفَّذ شيء."


@dataclass(frozen=True, kw_only=True)
class SupportContext(GovernedContext):
    support: SupportService


class SupportInput(TypedDict, total=False):
    ticket_id: str | None
    incoming: IncomingTicket | None


class SupportState(ApprovalState, total=False):
    ticket_id: str | None
    incoming: IncomingTicket | None
    sla: SlaStatus | None
    escalation: Escalation | None
    reply: ReplyDraft | None


def _thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def customer_success_operator(state: SupportState, runtime: Runtime[Any]) -> dict[str, Any]:
    service = bound(runtime, SupportContext).support
    ticket_id = state.get("ticket_id")
    incoming = state.get("incoming")
    if ticket_id is None:
        if incoming is None:
            raise ValueError("the support graph needs a ticket_id or an incoming ticket")
        ticket = IncomingTicket.model_validate(incoming)  # a model in-process, JSON from Studio
        ticket_id = service.create(ticket, actor="customer_success_operator").ticket_id
    else:
        service.get(ticket_id)  # TicketNotFound for an unknown (or another tenant's) ticket
    return {"ticket_id": ticket_id, "incoming": None}


def sla_monitor(state: SupportState, runtime: Runtime[Any]) -> dict[str, Any]:
    service = bound(runtime, SupportContext).support
    ticket_id = state.get("ticket_id")
    assert ticket_id is not None
    escalation = service.escalate(ticket_id)
    return {"sla": service.sla(ticket_id), "escalation": escalation}


def support_reply(state: SupportState, runtime: Runtime[Any]
                  ) -> Command[Literal["approval", "__end__"]]:
    service = bound(runtime, SupportContext).support
    ticket_id = state.get("ticket_id")
    assert ticket_id is not None
    try:
        reply = service.draft_reply(ticket_id)
    except SupportError as refused:
        return Command(goto="__end__", update={"reply": None, "outcome": Outcome(
            status="refused", reason_ar=refused.message_ar, reason_code=refused.code)})
    if reply.status != "ready":
        return Command(goto="__end__", update={"reply": reply, "outcome": Outcome(
            status="needs_review", reason_ar=_NEEDS_REVIEW_AR, reason_code="guard_failed")})
    call = reply_call(service.get(ticket_id), reply, thread_id=_thread_id())
    return Command(goto="approval", update={"reply": reply, "call": call})


def record_response(state: SupportState, runtime: Runtime[Any]) -> dict[str, Any]:
    ctx = bound(runtime, SupportContext)
    outcome = state.get("outcome")
    ticket_id = state.get("ticket_id")
    if ticket_id is not None and outcome is not None and outcome.status in ("executed", "already_executed"):
        actor = ctx.caller.user_id if ctx.caller is not None else "customer_success_operator"
        ctx.support.mark_responded(ticket_id, actor=actor)
    return {}
