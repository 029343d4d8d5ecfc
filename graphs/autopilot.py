"""The daily autopilot: the Targeting OS's picks to approved drafts, one human approval per target.

    START ─▶ targeting_analyst ─▶ (Send per target) ─▶ outreach ─▶ proof_pack_builder ─▶ END

    outreach (one subgraph per target, so each target's approval is answered and executed alone):
    saudi_copywriter ─▶ approval (the shared subgraph: review ─▶ human approval ─▶ execution) ─▶ record_outcome
          │ guard failed ─────────────────────────────────────────────────────────────────────▲

Node names are the ids of the skills they act as. The graph holds no dependencies: tenant,
gateway, Targeting OS, copywriter and the approving caller arrive per run in
:class:`skills.nodes.AutopilotContext`. Leads reach the graph only through the Targeting OS (a
file is imported into it first), so state carries lead ids, never a file path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graphs.approval import APPROVAL_NODE, approval_subgraph, bind
from graphs.state import STATE_TYPES
from skills.nodes import (
    AutopilotInput,
    AutopilotState,
    OutreachState,
    fan_out,
    proof_pack_builder,
    record_outcome,
    saudi_copywriter,
    targeting_analyst,
)
from skills.run_context import AutopilotRunContext


@lru_cache(maxsize=1)
def outreach_subgraph() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(OutreachState, context_schema=AutopilotRunContext)
    graph.add_node("saudi_copywriter", saudi_copywriter)
    graph.add_node(APPROVAL_NODE, approval_subgraph())
    graph.add_node("record_outcome", record_outcome)
    graph.add_edge(START, "saudi_copywriter")
    graph.add_edge(APPROVAL_NODE, "record_outcome")
    graph.add_edge("record_outcome", END)
    return graph.compile(name="outreach")


@lru_cache(maxsize=1)
def _autopilot() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(AutopilotState, context_schema=AutopilotRunContext, input_schema=AutopilotInput)
    graph.add_node("targeting_analyst", targeting_analyst)
    graph.add_node("outreach", outreach_subgraph())
    graph.add_node("proof_pack_builder", proof_pack_builder)
    graph.add_edge(START, "targeting_analyst")
    graph.add_conditional_edges("targeting_analyst", fan_out, ["outreach", "proof_pack_builder"])
    graph.add_edge("outreach", "proof_pack_builder")
    graph.add_edge("proof_pack_builder", END)
    return graph.compile(name="autopilot")


def build_autopilot_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                          ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The autopilot (compiled once per process) over ``checkpointer`` (LangGraph's server brings its own)."""
    return bind(_autopilot(), checkpointer, *STATE_TYPES)

