"""The negotiation graph: one customer objection to one approved reply draft.

    START ─▶ classify ─▶ respond ─▶ safe_action_reviewer ─▶ human_approval ─▶ execution_governor ─▶ END
                           │ reply needs review /  │ blocked           │ ▲ role not allowed,   │
                           ▼ no address            ▼                   │ │ invalid answer       ▼
                          END                     END                  └─┘  reject ─▶ END   draft in outbox
                                                                          (an edit that promises an outcome or
                                                                           offers a price cut: refused, END)

``classify``, ``respond`` and ``execution_governor`` act as the negotiation_coach skill
(:mod:`skills.negotiation.nodes`; the last wraps the shared execution node with a check of the
approved text); the review and approval nodes are the shared ones (:mod:`graphs.message_approval`). The review-
first overlay applies, so the ``gmail.draft`` / ``whatsapp.draft`` waits for a person even though
policy alone would allow a draft. Dependencies arrive per run in :class:`NegotiationContext`.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, ConfigDict, Field

from dealix.wiring import build_gateway
from graphs.checkpoint import new_thread_id, thread_config
from graphs.message_approval import (
    Decision,
    DraftOutcome,
    ResumeResult,
    human_approval,
    resume,
    review_first,
    safe_action_reviewer,
)
from skills.negotiation.factory import build_coach
from skills.negotiation.models import Classification, DealContext, NegotiationResult
from skills.negotiation.nodes import (
    NegotiationContext,
    NegotiationInput,
    NegotiationState,
    classify,
    execution_governor,
    respond,
)
from skills.negotiation.screen import screen_seller_request
from skills.negotiation.utterance import check_utterance
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.policy import TenantOverlay
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

__all__ = ["NegotiationContext", "NegotiationRun", "build_negotiation_context", "build_negotiation_graph",
           "decide_negotiation", "start_negotiation", "studio_graph"]


def build_negotiation_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                            ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph, compiled with ``checkpointer`` (LangGraph's server supplies its own when None)."""
    graph = StateGraph(NegotiationState, context_schema=NegotiationContext, input_schema=NegotiationInput)
    graph.add_node("classify", classify)
    graph.add_node("respond", respond)
    graph.add_node("safe_action_reviewer", safe_action_reviewer)
    graph.add_node("human_approval", human_approval)
    graph.add_node("execution_governor", execution_governor)
    graph.add_edge(START, "classify")
    graph.add_edge("classify", "respond")
    graph.add_edge("execution_governor", END)
    return graph.compile(checkpointer=checkpointer, name="negotiation")


def studio_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """For ``langgraph.json``: the server brings the checkpointer; a run passes a NegotiationContext."""
    return build_negotiation_graph()


def build_negotiation_context(settings: Settings, tenant: str, *, caller: Caller | None = None,
                              gateway: Gateway | None = None, clock: Clock = system_clock,
                              tenant_overlay: TenantOverlay | None = None) -> NegotiationContext:
    """Everything one run needs; reply drafts always wait for a person (review-first overlay)."""
    gateway = gateway or build_gateway(settings, clock=clock)
    ctx = NegotiationContext(tenant=tenant, gateway=gateway, settings=settings, caller=caller,
                             coach=build_coach(settings, tenant=tenant, gateway=gateway, clock=clock))
    review_first(ctx, tenant_overlay)
    return ctx


class NegotiationRun(BaseModel):
    """What starting a negotiation thread produced."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    classification: Classification | None
    result: NegotiationResult | None
    pending: ApprovalRequest | None = Field(description="The approval the reply draft waits for, if any.")
    outcome: DraftOutcome | None = Field(description="Where the draft ended up when nothing is pending.")


def start_negotiation(ctx: NegotiationContext, checkpointer: BaseCheckpointSaver[Any], text: str,
                      deal: DealContext, *, seller_request: str | None = None,
                      thread_id: str | None = None) -> NegotiationRun:
    check_utterance(text)  # refuse unusable input before a thread exists
    screen_seller_request(seller_request)
    graph = build_negotiation_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant)
    config = thread_config(thread_id, tenant=ctx.tenant)
    values = graph.invoke({"text": text, "deal": deal, "seller_request": seller_request}, config, context=ctx)
    interrupts = values.get("__interrupt__") or []
    return NegotiationRun(
        thread_id=thread_id, classification=values.get("classification"), result=values.get("result"),
        pending=ApprovalRequest.model_validate(interrupts[0].value) if interrupts else None,
        outcome=values.get("outcome"),
    )


def decide_negotiation(ctx: NegotiationContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str,
                       decision: Decision, *, edited_args: dict[str, Any] | None = None,
                       edited_action: str | None = None, reason: str | None = None) -> ResumeResult:
    """Answer the reply draft's approval; the thread's own nodes resolve and execute it, at most once."""
    return resume(build_negotiation_graph(checkpointer), ctx, approval_id, decision, edited_args=edited_args,
                  edited_action=edited_action, reason=reason)
