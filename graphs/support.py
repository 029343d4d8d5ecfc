"""The customer-ops graph: one ticket from intake to an approved reply draft.

    START ─▶ customer_success_operator ─▶ sla_monitor ─▶ support_reply ─▶ safe_action_reviewer
             (create + classify, or load)  (escalate)     │ no channel /         │ blocked
                                                          ▼ guard failed         ▼
                                                         END                    END
          ─▶ human_approval ─▶ execution_governor ─▶ record_response ─▶ END
               │ reject / blocked edit ─▶ END

Node names are the skills they act as (the shared approval subgraph: :mod:`graphs.approval`).
Dependencies arrive per run in :class:`SupportContext`; nothing is built at import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, ConfigDict, Field

from graphs.approval import APPROVAL_NODE, approval_subgraph, bind
from graphs.checkpoint import new_thread_id, thread_config
from graphs.overlay import autopilot_overlay
from graphs.resume import Decision, ResumeResult, awaiting, resume
from skills.approval import Outcome, request_of
from skills.cards.service import CardService
from skills.run_context import SupportRunContext
from skills.support.business_time import BusinessCalendar
from skills.support.cards import card_publisher
from skills.support.factory import build_service
from skills.support.models import Escalation, IncomingTicket, ReplyDraft, SlaStatus
from skills.support.nodes import (
    SupportContext,
    SupportInput,
    SupportState,
    customer_success_operator,
    record_response,
    sla_monitor,
    support_reply,
)
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.saudi_time import system_clock
from tools.settings import Settings

__all__ = ["SupportContext", "SupportRunResult", "build_support_context", "build_support_graph",
           "decide_support_reply", "start_support_reply"]


@lru_cache(maxsize=1)
def _support() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(SupportState, context_schema=SupportRunContext, input_schema=SupportInput)
    graph.add_node("customer_success_operator", customer_success_operator)
    graph.add_node("sla_monitor", sla_monitor)
    graph.add_node("support_reply", support_reply)
    graph.add_node(APPROVAL_NODE, approval_subgraph())
    graph.add_node("record_response", record_response)
    graph.add_edge(START, "customer_success_operator")
    graph.add_edge("customer_success_operator", "sla_monitor")
    graph.add_edge("sla_monitor", "support_reply")
    graph.add_edge(APPROVAL_NODE, "record_response")
    graph.add_edge("record_response", END)
    return graph.compile(name="support")


def build_support_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                        ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph (compiled once per process) over ``checkpointer`` (LangGraph's server brings its own)."""
    return bind(_support(), checkpointer, IncomingTicket, SlaStatus, Escalation, ReplyDraft)



def build_support_context(settings: Settings, tenant: str, *, caller: Caller | None = None,
                          gateway: Gateway, clock: Callable[[], datetime] = system_clock,
                          calendar: BusinessCalendar | None = None, cards: bool = True) -> SupportContext:
    """The run's dependencies; escalations publish support cards unless ``cards`` is False."""
    gateway = gateway.with_overlay(autopilot_overlay(tenant))
    publisher = card_publisher(CardService(tenant, gateway=gateway, clock=clock)) if cards else None
    ctx = SupportContext(tenant=tenant, gateway=gateway, caller=caller,
                         support=build_service(settings, tenant=tenant, clock=clock, gateway=gateway,
                                               calendar=calendar, cards=publisher))
    return ctx


class SupportRunResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    ticket_id: str
    sla: SlaStatus | None
    escalation: Escalation | None
    reply: ReplyDraft | None
    pending: ApprovalRequest | None = Field(description="The approval the reply draft waits for, if any.")
    outcome: Outcome | None


def start_support_reply(ctx: SupportContext, checkpointer: BaseCheckpointSaver[Any], *,
                        ticket_id: str | None = None, incoming: IncomingTicket | None = None,
                        thread_id: str | None = None) -> SupportRunResult:
    """Create (from ``incoming``) or load a ticket, check its SLA, and draft the reply for approval."""
    graph = build_support_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant, "support")
    config = thread_config(thread_id, tenant=ctx.tenant)
    values = graph.invoke({"ticket_id": ticket_id, "incoming": incoming}, config, context=ctx)
    interrupts = values.get("__interrupt__") or []
    pending = request_of(interrupts[0].value) if interrupts else None
    return SupportRunResult(
        thread_id=thread_id, ticket_id=values["ticket_id"], sla=values.get("sla"),
        escalation=values.get("escalation"), reply=values.get("reply"),
        outcome=awaiting(pending, values.get("outcome")),
        pending=pending,
    )


def decide_support_reply(ctx: SupportContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str,
                         decision: Decision, *, edited_args: dict[str, Any] | None = None,
                         edited_action: str | None = None, reason: str | None = None) -> ResumeResult:
    return resume(build_support_graph(checkpointer), ctx, approval_id, decision, edited_args=edited_args,
                  edited_action=edited_action, reason=reason)
