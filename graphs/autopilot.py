"""The daily autopilot: leads file to approved drafts, one human approval per target.

    START ─▶ targeting_analyst ─▶ (Send per target) ─▶ outreach ─▶ proof_pack_builder ─▶ END

    outreach (one subgraph per target, so each target's approval is answered and executed alone):
    saudi_copywriter ─▶ safe_action_reviewer ─▶ human_approval ─▶ execution_governor
          │ guard failed        │ blocked          │ ▲ role not allowed, invalid answer,
          ▼                     ▼                  │ │ an edit another role must approve
         END (needs_review)    END                 └─┘            reject / blocked edit ─▶ END

Node names are the ids of the skills they act as (``human_approval`` is the person's step).
The graph holds no dependencies: tenant, gateway, settings, the copywriter and the approving
caller arrive per run in :class:`graphs.context.AutopilotContext`.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graphs.context import AutopilotContext
from graphs.state import AutopilotInput, AutopilotState, OutreachState
from skills.nodes import (
    execution_governor,
    fan_out,
    human_approval,
    proof_pack_builder,
    safe_action_reviewer,
    saudi_copywriter,
    targeting_analyst,
)

OUTREACH_NODES = ("saudi_copywriter", "safe_action_reviewer", "human_approval", "execution_governor")


def build_outreach_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(OutreachState, context_schema=AutopilotContext)
    graph.add_node("saudi_copywriter", saudi_copywriter)
    graph.add_node("safe_action_reviewer", safe_action_reviewer)
    graph.add_node("human_approval", human_approval)
    graph.add_node("execution_governor", execution_governor)
    graph.add_edge(START, "saudi_copywriter")
    graph.add_edge("execution_governor", END)
    return graph.compile(name="outreach")


def build_autopilot_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                          ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The autopilot, compiled with ``checkpointer`` (LangGraph's server supplies its own when None)."""
    graph = StateGraph(AutopilotState, context_schema=AutopilotContext, input_schema=AutopilotInput)
    graph.add_node("targeting_analyst", targeting_analyst)
    graph.add_node("outreach", build_outreach_graph())
    graph.add_node("proof_pack_builder", proof_pack_builder)
    graph.add_edge(START, "targeting_analyst")
    graph.add_conditional_edges("targeting_analyst", fan_out, ["outreach", "proof_pack_builder"])
    graph.add_edge("outreach", "proof_pack_builder")
    graph.add_edge("proof_pack_builder", END)
    return graph.compile(checkpointer=checkpointer, name="autopilot")


def studio_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """For ``langgraph.json`` (Studio, ``langgraph dev``): the server brings the checkpointer.

    A run there must pass the context (tenant, gateway, ...), e.g. from :func:`graphs.runtime.build_context`.
    """
    return build_autopilot_graph()
