"""Re-execution safety: resume twice, crash right after execution, replay from an earlier checkpoint.

Whatever LangGraph re-runs, the gateway's ledger and approval book make sure nothing runs twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.types import Command
from runtime_support import TENANT, executed_events, outbox_files

from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import thread_config
from graphs.runtime import start_autopilot
from skills.approval_answers import HumanResponse
from tools.models import Role

ACCEPT = HumanResponse(type="accept").model_dump(mode="json")


def _start(make_ctx, checkpointer, leads_file, top_n=1) -> tuple[Any, Any, Any]:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=top_n)
    graph = build_autopilot_graph(checkpointer)
    config = thread_config(started.thread_id, tenant=TENANT)
    return started, graph, config


def test_resuming_the_same_interrupt_twice_executes_once(make_ctx, checkpointer, leads_file, settings):
    _, graph, config = _start(make_ctx, checkpointer, leads_file)
    (waiting,) = graph.get_state(config).interrupts
    ctx = make_ctx(Role.sales_manager)

    graph.invoke(Command(resume={waiting.id: ACCEPT}), config, context=ctx)
    graph.invoke(Command(resume={waiting.id: ACCEPT}), config, context=ctx)
    graph.invoke(Command(resume=ACCEPT), config, context=ctx)

    assert executed_events(ctx) == 1
    assert len(outbox_files(settings)) == 1


class _CrashAfterExecute:
    """Wraps the gateway: the real execute runs, then the process 'dies' before the checkpoint."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._gateway.execute(*args, **kwargs)
        raise SystemError("crash right after the side effect, before the checkpoint")


def test_a_crash_right_after_execution_does_not_execute_again_on_restart(make_ctx, checkpointer, leads_file,
                                                                          settings):
    from dataclasses import replace

    _, graph, config = _start(make_ctx, checkpointer, leads_file)
    (waiting,) = graph.get_state(config).interrupts
    ctx = make_ctx(Role.sales_manager)
    crashing = replace(ctx, gateway=_CrashAfterExecute(ctx.gateway))

    with pytest.raises(SystemError):
        graph.invoke(Command(resume={waiting.id: ACCEPT}), config, context=crashing)
    assert executed_events(ctx) == 1

    result = graph.invoke(None, config, context=make_ctx(Role.sales_manager))  # restart: pending tasks re-run

    (outcome,) = result["outcomes"].values()
    assert outcome.status == "already_executed"
    assert executed_events(ctx) == 1
    assert len(outbox_files(settings)) == 1


def test_replaying_from_an_earlier_checkpoint_never_executes_twice(make_ctx, checkpointer, leads_file, settings):
    _, graph, config = _start(make_ctx, checkpointer, leads_file)
    ctx = make_ctx(Role.sales_manager)
    (waiting,) = graph.get_state(config).interrupts
    graph.invoke(Command(resume={waiting.id: ACCEPT}), config, context=ctx)
    assert executed_events(ctx) == 1

    history = list(graph.get_state_history(config))
    replays: list[int] = []
    for snapshot in history[1:]:  # every earlier checkpoint of the thread, newest first
        replayed = graph.invoke(None, snapshot.config, context=ctx)
        replays.append(len(replayed.get("__interrupt__", [])))
        for interrupt in replayed.get("__interrupt__", []):
            graph.invoke(Command(resume={interrupt.id: ACCEPT}), snapshot.config, context=ctx)

    assert executed_events(ctx) == 1
    assert len(outbox_files(settings)) == 1
    assert len(history) >= 3 and any(replays)  # the replays did reach the approval again
