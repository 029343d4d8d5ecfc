"""The one approval subgraph, compiled once per process and embedded by every governed graph.

    safe_action_reviewer ─▶ human_approval ─▶ execution_governor
            │ blocked             │ ▲ (waits again)
            ▼                     └─┘
           END ◀──────── reject / blocked edit / decided elsewhere

The nodes live in :mod:`skills.approval`; a graph adds this subgraph as its ``approval`` node and
shares the keys of :class:`skills.approval.ApprovalState` with it (``call`` in, ``outcome`` out).
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from typing import Any, get_args

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel

from skills.approval import ApprovalState, Outcome, execution_governor, human_approval, safe_action_reviewer
from tools.models import ApprovalRequest, ToolCall

APPROVAL_NODE = "approval"


@lru_cache(maxsize=1)
def approval_subgraph() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(ApprovalState)
    graph.add_node("safe_action_reviewer", safe_action_reviewer)
    graph.add_node("human_approval", human_approval)
    graph.add_node("execution_governor", execution_governor)
    graph.add_edge(START, "safe_action_reviewer")
    return graph.compile(name=APPROVAL_NODE)


def state_type_keys(*roots: type) -> set[tuple[str, str]]:
    """``roots`` and every pydantic model or enum nested in them, as (module, name) pairs.

    LangGraph derives a msgpack allowlist from a state schema but cannot resolve postponed
    annotations inherited across modules; naming the models makes a thread resumed in a fresh
    process revive them as models instead of refusing them.
    """
    found: set[tuple[str, str]] = set()

    def walk(tp: Any) -> None:
        for arg in get_args(tp):
            walk(arg)
        if isinstance(tp, type) and (issubclass(tp, BaseModel) or issubclass(tp, Enum)):
            key = (tp.__module__, tp.__name__)
            if key in found:
                return
            found.add(key)
            if issubclass(tp, BaseModel):
                for info in tp.model_fields.values():
                    walk(info.annotation)

    for root in (*roots, Outcome, ToolCall, ApprovalRequest):
        walk(root)
    return found


def bind(graph: CompiledStateGraph[Any, Any, Any, Any], checkpointer: BaseCheckpointSaver[Any] | None,
         *roots: type) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The process's compiled ``graph`` over ``checkpointer`` (allowed to revive ``roots``): a copy, no compile."""
    if checkpointer is None:
        return graph
    return graph.copy(update={"checkpointer": checkpointer.with_allowlist(state_type_keys(*roots))})
