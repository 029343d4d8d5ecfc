"""The negotiation graph: one customer objection to one approved reply draft.

    START ─▶ classify ─▶ respond ─▶ approval (the shared subgraph: review ─▶ human approval ─▶ execution) ─▶ END
                           │ reply needs review / no address
                           ▼
                          END

``classify`` and ``respond`` act as the negotiation_coach skill (:mod:`skills.negotiation.nodes`);
the approval subgraph is the one every graph shares (:mod:`graphs.approval`), with the coach's
last check of the approved text (an edit that promises an outcome or opens with a price cut is
refused). The review-first overlay applies, so the ``gmail.draft`` / ``whatsapp.draft`` waits for
a person even though policy alone would allow a draft. Dependencies arrive per run in
:class:`NegotiationContext`.
"""

from __future__ import annotations

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
from graphs.state import STATE_TYPES
from skills.approval import Outcome, request_of
from skills.negotiation.factory import build_coach
from skills.negotiation.models import Classification, DealContext, NegotiationResult
from skills.negotiation.nodes import (
    NegotiationContext,
    NegotiationInput,
    NegotiationState,
    classify,
    respond,
)
from skills.negotiation.screen import screen_seller_request
from skills.negotiation.utterance import check_utterance
from skills.run_context import NegotiationRunContext
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.policy import TenantOverlay
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

__all__ = ["NegotiationContext", "NegotiationRun", "build_negotiation_context", "build_negotiation_graph",
           "decide_negotiation", "start_negotiation"]


@lru_cache(maxsize=1)
def _negotiation() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(NegotiationState, context_schema=NegotiationRunContext, input_schema=NegotiationInput)
    graph.add_node("classify", classify)
    graph.add_node("respond", respond)
    graph.add_node(APPROVAL_NODE, approval_subgraph())
    graph.add_edge(START, "classify")
    graph.add_edge("classify", "respond")
    graph.add_edge(APPROVAL_NODE, END)
    return graph.compile(name="negotiation")


def build_negotiation_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                            ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph (compiled once per process) over ``checkpointer`` (LangGraph's server brings its own)."""
    return bind(_negotiation(), checkpointer, *STATE_TYPES)



def build_negotiation_context(settings: Settings, tenant: str, *, caller: Caller | None = None,
                              gateway: Gateway, clock: Clock = system_clock,
                              tenant_overlay: TenantOverlay | None = None) -> NegotiationContext:
    """Everything one run needs; reply drafts always wait for a person (review-first overlay)."""
    # drafts wait for a person: the review-first overlay, on this run's view of the shared gateway
    gateway = gateway.with_overlay(autopilot_overlay(tenant, tenant_overlay))
    ctx = NegotiationContext(tenant=tenant, gateway=gateway, caller=caller,
                             coach=build_coach(settings, tenant=tenant, gateway=gateway, clock=clock))
    return ctx


class NegotiationRun(BaseModel):
    """What starting a negotiation thread produced."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    classification: Classification | None
    result: NegotiationResult | None
    pending: ApprovalRequest | None = Field(description="The approval the reply draft waits for, if any.")
    outcome: Outcome | None = Field(description="Where the draft ended up when nothing is pending.")


def start_negotiation(ctx: NegotiationContext, checkpointer: BaseCheckpointSaver[Any], text: str,
                      deal: DealContext, *, seller_request: str | None = None,
                      thread_id: str | None = None) -> NegotiationRun:
    check_utterance(text)  # refuse unusable input before a thread exists
    screen_seller_request(seller_request)
    graph = build_negotiation_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant, "negotiation")
    config = thread_config(thread_id, tenant=ctx.tenant)
    values = graph.invoke({"text": text, "deal": deal, "seller_request": seller_request}, config, context=ctx)
    interrupts = values.get("__interrupt__") or []
    pending = request_of(interrupts[0].value) if interrupts else None
    return NegotiationRun(
        thread_id=thread_id, classification=values.get("classification"), result=values.get("result"),
        pending=pending,
        outcome=awaiting(pending, values.get("outcome")),
    )


def decide_negotiation(ctx: NegotiationContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str,
                       decision: Decision, *, edited_args: dict[str, Any] | None = None,
                       edited_action: str | None = None, reason: str | None = None) -> ResumeResult:
    """Answer the reply draft's approval; the thread's own nodes resolve and execute it, at most once."""
    return resume(build_negotiation_graph(checkpointer), ctx, approval_id, decision, edited_args=edited_args,
                  edited_action=edited_action, reason=reason)
