"""A worker that dies after an approval is decided, before its draft is written: the retry finishes it once.

Deterministic twins of the kill -9 runs (test_reliability_crash.py): the death is placed exactly
between the decision and its checkpoint, and inside the connector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_support import TENANT, audit_verifies, clock_at, db_rows, lead_rows, outbox, settings_for, write_leads

from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.runtime import build_context, decide, start_autopilot
from tools.models import Caller, Role

MANAGER = Caller(user_id="manager-noura", tenant=TENANT, role=Role.sales_manager)


def _ctx(data: Path, offset: float, caller: Caller | None = None) -> Any:
    settings = settings_for(data)
    return build_context(settings, TENANT, caller=caller, gateway=build_gateway(settings, clock=clock_at(offset)))


def _started(tmp_path: Path) -> tuple[Path, str]:
    data = tmp_path / "data"
    leads = write_leads(tmp_path / "leads.csv", lead_rows(2))
    ctx = _ctx(data, 0.0)
    with open_checkpointer(settings_for(data)) as saver:
        started = start_autopilot(ctx, saver, leads, 2)
    return data, started.pending[0].approval_id


def _exactly_once(data: Path, approval_id: str) -> None:
    settings = settings_for(data)
    assert dict(db_rows(settings, "SELECT approval_id, status FROM approvals"))[approval_id] == "consumed"
    assert [tuple(r) for r in db_rows(settings, "SELECT status, approval_id FROM side_effects")] == [
        ("done", approval_id)]
    assert len(outbox(settings)) == 1
    assert audit_verifies(settings)


def test_decided_before_the_checkpoint_then_retried_executes_once(tmp_path: Path) -> None:
    data, approval_id = _started(tmp_path)
    # The dead worker got as far as the gateway's decision; its graph never recorded it.
    _ctx(data, 5.0).gateway.resolve(approval_id, MANAGER, "approve")

    ctx = _ctx(data, 10.0, MANAGER)
    with open_checkpointer(settings_for(data)) as saver:
        retried = decide(ctx, saver, approval_id, "approve")
        assert not retried.already_decided and retried.outcome is not None
        assert retried.outcome.status == "executed"
        again = decide(ctx, saver, approval_id, "approve")
    assert again.already_decided
    _exactly_once(data, approval_id)


def test_died_inside_the_connector_then_retried_after_the_lease_executes_once(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    data, approval_id = _started(tmp_path)
    def die(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # a death the process can see: the ledger row stays "started"

    ctx = _ctx(data, 5.0, MANAGER)
    connector = ctx.gateway._connectors["gmail.draft"]
    monkeypatch.setattr(connector, "run", die)
    with open_checkpointer(settings_for(data)) as saver, pytest.raises(KeyboardInterrupt):
        decide(ctx, saver, approval_id, "approve")
    monkeypatch.undo()
    assert [r[0] for r in db_rows(settings_for(data), "SELECT status FROM side_effects")] == ["started"]

    ctx = _ctx(data, 200.0, MANAGER)
    with open_checkpointer(settings_for(data)) as saver:
        retried = decide(ctx, saver, approval_id, "approve")
    assert retried.outcome is not None and retried.outcome.status == "executed", retried
    _exactly_once(data, approval_id)


def _thread_call(saver: Any, approval: Any) -> Any:
    from graphs.autopilot import build_autopilot_graph
    from graphs.checkpoint import thread_config

    state = build_autopilot_graph(saver).get_state(thread_config(approval.thread_id, tenant=TENANT), subgraphs=True)
    snapshots: list[Any] = [t.state for t in state.tasks if t.state is not None]
    calls = [snap.values["call"] for snap in snapshots if snap.values.get("call")]
    return next(c for c in calls if c.tool_call_id == approval.tool_call_id)


def test_died_inside_the_connector_before_the_checkpoint_then_retried_executes_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph still waits on the approval, yet it is spent and its ledger row is "started"."""
    data, approval_id = _started(tmp_path)
    ctx = _ctx(data, 5.0, MANAGER)
    token = ctx.gateway.resolve(approval_id, MANAGER, "approve").token
    with open_checkpointer(settings_for(data)) as saver:
        call = _thread_call(saver, ctx.gateway.get_approval(approval_id, TENANT))

    def die(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(ctx.gateway._connectors["gmail.draft"], "run", die)
    with pytest.raises(KeyboardInterrupt):
        ctx.gateway.execute(call, approval_token=token)
    monkeypatch.undo()
    assert [r[0] for r in db_rows(settings_for(data), "SELECT status FROM side_effects")] == ["started"]

    ctx = _ctx(data, 200.0, MANAGER)
    with open_checkpointer(settings_for(data)) as saver:
        retried = decide(ctx, saver, approval_id, "approve")
    assert retried.outcome is not None and retried.outcome.status == "executed", retried
    _exactly_once(data, approval_id)
