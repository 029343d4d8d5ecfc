"""kill -9 at seeded random points of the autopilot and of approval execution; a new process recovers.

Each scenario kills twice: a worker starting the autopilot (SQLite checkpointer on a file), then a
worker deciding one of its approvals. A new process (its clock past the 120 s execution lease)
resumes the thread or retries the decision. Afterwards every approval is pending or executed
exactly once, each target has exactly one draft, and the audit chain verifies.

``DEALIX_RELIABILITY_SCENARIOS`` (default 5, i.e. 10 kills) sets how many scenarios run; the
50-kill figure in docs/reliability.md comes from ``DEALIX_RELIABILITY_SCENARIOS=25``. The same
scenarios run on PostgreSQL (every store and the checkpointer) when ``DEALIX_TEST_POSTGRES_URL``
is set: ``DEALIX_RELIABILITY_PG_SCENARIOS`` of them (default 2).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from reliability_support import (
    TENANT,
    Child,
    audit_verifies,
    db_rows,
    decide_worker,
    forkserver,
    lead_rows,
    outbox,
    run_and_kill,
    settings_for,
    start_worker,
    write_leads,
)

SCENARIOS = int(os.environ.get("DEALIX_RELIABILITY_SCENARIOS", "5"))
PG_SCENARIOS = int(os.environ.get("DEALIX_RELIABILITY_PG_SCENARIOS", "2"))
CASES = [*((seed, "sqlite") for seed in range(SCENARIOS)),
         *(pytest.param(seed, "postgres", marks=pytest.mark.postgres) for seed in range(PG_SCENARIOS))]
TARGETS = 3
START_SECONDS = 1.6  # about how long a start takes here once imports are done
DECIDE_SECONDS = 0.4


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "backend"), CASES, indirect=["backend"])
def test_killed_autopilot_and_decision_recover_with_nothing_lost_or_doubled(tmp_path: Path, seed: int,
                                                                            backend: str) -> None:
    rnd = random.Random(seed)
    context = forkserver()
    data, thread = tmp_path / "data", f"{TENANT}:crash{seed}"
    leads = write_leads(tmp_path / "leads.csv", lead_rows(TARGETS))
    settings = settings_for(data)
    decision = rnd.choice(["approve", "approve", "reject"])

    run_and_kill(start_worker, str(data), str(leads), thread, TARGETS, 0.0, delay=rnd.uniform(0, START_SECONDS),
                 context=context)
    restart = Child(start_worker, str(data), str(leads), thread, TARGETS, 130.0, context=context)
    assert restart.expect() == "ready" and restart.finish() == "done"

    approvals = db_rows(settings, "SELECT approval_id, tool_call_id, status FROM approvals")
    assert len(approvals) == TARGETS, "one approval per target: no draft lost or asked twice"
    assert len({r["tool_call_id"] for r in approvals}) == TARGETS
    assert {r["status"] for r in approvals} == {"pending"}
    target = sorted(r["approval_id"] for r in approvals)[0]

    run_and_kill(decide_worker, str(data), target, decision, "sales_manager", 200.0,
                 delay=rnd.uniform(0, DECIDE_SECONDS), context=context)
    retry = Child(decide_worker, str(data), target, decision, "sales_manager", 400.0, context=context)
    assert retry.expect() == "ready"
    answer = retry.finish()
    assert "error" not in answer, answer

    statuses = dict(db_rows(settings, "SELECT approval_id, status FROM approvals"))
    expected = "consumed" if decision == "approve" else "rejected"
    assert statuses.pop(target) == expected
    assert set(statuses.values()) == {"pending"}, "the other approvals wait, untouched"
    ledger = [tuple(r) for r in db_rows(settings, "SELECT status, approval_id FROM side_effects")]
    files = outbox(settings)
    if decision == "approve":
        assert ledger == [("done", target)], ledger
        assert len(files) == 1, files
    else:
        assert ledger == [] and files == []
    executed = db_rows(settings, "SELECT COUNT(*) FROM audit_events WHERE kind = 'executed'")[0][0]
    assert executed == (1 if decision == "approve" else 0)
    assert audit_verifies(settings)
    assert (data / "checkpoints.db").exists() == (backend == "sqlite")
