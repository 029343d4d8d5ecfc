"""The partner graph: suggestions to one approved introduction draft.

    START ─▶ partner_strategist ─▶ partner_message ─▶ safe_action_reviewer ─▶ human_approval
             (score, rank,             │ channel refused /      │ blocked          │ reject / blocked edit
              partner cards)           ▼ guard failed           ▼                  ▼
                                      END                      END                END
          ─▶ execution_governor ─▶ END

Node names are the skills they act as (the shared approval subgraph: :mod:`graphs.approval`).
Dependencies arrive per run in :class:`PartnersContext`; nothing is built at import.
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
from skills.partners.factory import build_service
from skills.partners.models import DraftChannel, PartnerDraft, PartnerSuggestion
from skills.partners.nodes import PartnerInput, PartnersContext, PartnerState, partner_message, partner_strategist
from skills.run_context import PartnersRunContext
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.saudi_time import system_clock
from tools.settings import Settings

__all__ = ["PartnerRunResult", "PartnersContext", "build_partner_graph", "build_partners_context",
           "decide_partner_draft", "start_partner_outreach"]


@lru_cache(maxsize=1)
def _partners() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(PartnerState, context_schema=PartnersRunContext, input_schema=PartnerInput)
    graph.add_node("partner_strategist", partner_strategist)
    graph.add_node("partner_message", partner_message)
    graph.add_node(APPROVAL_NODE, approval_subgraph())
    graph.add_edge(START, "partner_strategist")
    graph.add_edge("partner_strategist", "partner_message")
    graph.add_edge(APPROVAL_NODE, END)
    return graph.compile(name="partners")


def build_partner_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                        ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph (compiled once per process) over ``checkpointer`` (LangGraph's server brings its own)."""
    return bind(_partners(), checkpointer, PartnerSuggestion, PartnerDraft)



def build_partners_context(settings: Settings, tenant: str, *, caller: Caller | None = None,
                           gateway: Gateway, clock: Callable[[], datetime] = system_clock,
                           cards: bool = True) -> PartnersContext:
    gateway = gateway.with_overlay(autopilot_overlay(tenant))
    ctx = PartnersContext(tenant=tenant, gateway=gateway, caller=caller,
                          partners=build_service(settings, tenant=tenant, clock=clock, gateway=gateway),
                          cards=CardService(tenant, gateway=gateway, clock=clock) if cards else None)
    return ctx


class PartnerRunResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    suggestions: list[PartnerSuggestion]
    partner_id: str | None
    draft: PartnerDraft | None
    pending: ApprovalRequest | None = Field(description="The approval the draft waits for, if any.")
    outcome: Outcome | None


def start_partner_outreach(ctx: PartnersContext, checkpointer: BaseCheckpointSaver[Any], *, top: int = 10,
                           partner_id: str | None = None, channel: DraftChannel | None = None,
                           thread_id: str | None = None) -> PartnerRunResult:
    graph = build_partner_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant, "partners")
    config = thread_config(thread_id, tenant=ctx.tenant)
    values = graph.invoke({"top": top, "partner_id": partner_id, "channel": channel}, config, context=ctx)
    interrupts = values.get("__interrupt__") or []
    pending = request_of(interrupts[0].value) if interrupts else None
    return PartnerRunResult(
        thread_id=thread_id, suggestions=values.get("suggestions") or [], partner_id=values.get("partner_id"),
        draft=values.get("draft"), outcome=awaiting(pending, values.get("outcome")),
        pending=pending,
    )


def decide_partner_draft(ctx: PartnersContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str,
                         decision: Decision, *, edited_args: dict[str, Any] | None = None,
                         edited_action: str | None = None, reason: str | None = None) -> ResumeResult:
    return resume(build_partner_graph(checkpointer), ctx, approval_id, decision, edited_args=edited_args,
                  edited_action=edited_action, reason=reason)
