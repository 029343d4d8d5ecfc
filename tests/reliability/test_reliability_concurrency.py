"""Two processes at once: the same approval decided twice executes once; the same file imported twice stores once.

Each test runs on SQLite files and on PostgreSQL (the ``backend`` fixture; PostgreSQL needs
``DEALIX_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

from pathlib import Path

from reliability_support import (
    TENANT,
    Child,
    audit_verifies,
    db_rows,
    decide_worker,
    import_worker,
    lead_rows,
    outbox,
    settings_for,
    start_worker,
    write_leads,
)


def _started(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    data = tmp_path / "data"
    leads = write_leads(tmp_path / "leads.csv", lead_rows(n))
    child = Child(start_worker, str(data), str(leads), f"{TENANT}:race", n, 0.0)
    assert child.expect() == "ready" and child.finish() == "done"
    approvals = [r[0] for r in db_rows(settings_for(data), "SELECT approval_id FROM approvals ORDER BY approval_id")]
    assert len(approvals) == n
    return data, approvals


def test_one_approval_decided_from_two_processes_at_once_executes_once(tmp_path: Path, backend: str) -> None:
    data, approvals = _started(tmp_path, 2)
    target = approvals[0]
    racers = [Child(decide_worker, str(data), target, "approve", role, 5.0) for role in ("sales_manager", "ceo")]
    assert [r.expect() for r in racers] == ["ready", "ready"]
    answers = [r.finish() for r in racers]

    settings = settings_for(data)
    executed = [a for a in answers if a.get("outcome") == "executed"]
    assert len(executed) == 1, answers  # the other one is told it was decided already, and runs nothing
    # The loser is told the approval was decided, is being executed, or was executed by the other (the
    # ledger's answer): it runs nothing itself.
    loser = next(a for a in answers if a not in executed)
    assert loser.get("already_decided") or loser.get("outcome") in (
        "already_decided", "not_executed", "already_executed"), answers
    assert len(outbox(settings)) == 1
    ledger = db_rows(settings, "SELECT status, approval_id FROM side_effects")
    assert [tuple(r) for r in ledger] == [("done", target)]
    statuses = dict(db_rows(settings, "SELECT approval_id, status FROM approvals"))
    assert statuses == {target: "consumed", approvals[1]: "pending"}
    for kind in ("approval_approved", "executed"):
        assert db_rows(settings, "SELECT COUNT(*) FROM audit_events WHERE kind = ?", kind)[0][0] == 1, kind
    assert audit_verifies(settings)
    assert (data / "dealix.db").exists() == (backend == "sqlite"), "the stores live where the backend says"


def test_two_processes_importing_the_same_file_at_once_store_each_lead_once(tmp_path: Path, backend: str) -> None:
    data = tmp_path / "data"
    rows = lead_rows(40, prefix="المدار")
    leads = write_leads(tmp_path / "leads.csv", rows)
    importers = [Child(import_worker, str(data), str(leads)) for _ in range(2)]
    assert [i.expect() for i in importers] == ["ready", "ready"]
    for importer in importers:
        importer.conn.send("go")
    reports = [i.finish() for i in importers]

    from skills.targeting.factory import build_service

    service = build_service(settings_for(data), tenant=TENANT)
    stored = service.repository.leads(TENANT)
    assert len(stored) == len(rows), (len(stored), reports)
    assert len({lead.lead_id for lead in stored}) == len(rows)
    assert sum(r["imported"] for r in reports) == len(rows), reports
    assert (data / "targeting.db").exists() == (backend == "sqlite")
