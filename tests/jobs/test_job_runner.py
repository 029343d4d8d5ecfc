"""The job runner (issue 19): each due job runs once across workers, also when one is killed with -9."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from dealix.cli.main import app as cli
from dealix.jobs.catalog import JobSpec, default_jobs
from dealix.jobs.history import JobHistory
from dealix.jobs.runner import _trigger
from dealix.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# A worker as `dealix serve` runs it, with the sweeps due every second and a short lease.
_WORKER = """
import logging, sys, threading
from datetime import timedelta
from dealix.jobs.catalog import JobSpec
from dealix.jobs.runner import JobRunner
from dealix.settings import Settings

second = timedelta(seconds=1)
jobs = [JobSpec("approvals_sla", "sla", every=second), JobSpec("dlq_retry", "dlq", every=second)]
runner = JobRunner(Settings(data_dir=sys.argv[1]), jobs=jobs, lease=timedelta(seconds=3), identity=sys.argv[2])
logging.basicConfig(level=logging.WARNING, filename=sys.argv[1] + "/" + sys.argv[2] + ".log")
runner.start()
print("started", flush=True)
threading.Event().wait()
"""


def _worker(data_dir: Path, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DEALIX_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-c", _WORKER, str(data_dir), name], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _runs(data_dir: Path) -> list[tuple[str, datetime, str, str]]:
    history = JobHistory(data_dir / "jobs.db")
    try:
        return [(r.job, r.fire_time, r.worker, r.outcome) for r in history.runs()]
    finally:
        history.close()


def _wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_two_workers_and_a_kill_9_run_each_due_job_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    workers = {name: _worker(data, name) for name in ("w1", "w2")}
    try:
        _wait_for(lambda: len(_runs(data)) >= 6, timeout=120)
        victim = max(_runs(data), key=lambda run: run[1])[2]  # the worker that ran the latest job holds leases
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(timeout=10)
        killed_at = datetime.now(UTC)
        survivor = next(name for name in workers if name != victim)
        _wait_for(lambda: sum(1 for job, fire, who, _ in _runs(data)
                              if who == survivor and fire > killed_at + timedelta(seconds=1)) >= 6, timeout=90)
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        for name, process in workers.items():
            log = data / f"{name}.log"
            sys.stderr.write(f"--- {name}\n{process.stderr.read() if process.stderr else ''}"
                             f"{log.read_text() if log.exists() else ''}\n")
        sys.stderr.write("\n".join(f"{job} {fire:%H:%M:%S} {who} {outcome}" for job, fire, who, outcome in _runs(data)))
    runs = _runs(data)
    history = JobHistory(data / "jobs.db")
    try:
        assert history.duplicates() == 0  # no fire time was handed out twice
    finally:
        history.close()
    for job in ("approvals_sla", "dlq_retry"):
        fires = [fire for name, fire, _, _ in runs if name == job]
        assert fires == sorted(set(fires))
        # Every second is one run, apart from the takeover after the kill (coalesced into one late run).
        gaps = [later - earlier for earlier, later in itertools.pairwise(fires)]
        assert sum(gap > timedelta(seconds=1) for gap in gaps) <= 1
        assert all(gap >= timedelta(seconds=1) for gap in gaps)
    # A job the kill cut short is either finished by the survivor once its lease lapsed, or released
    # by the engine as abandoned (its row stays "running"; the next fire time does the work).
    # The survivor's latest run of a job may be cut short by this test's own terminate: not a lost run.
    latest = {job: max(fire for name, fire, _, _ in runs if name == job) for job, _, _, _ in runs}
    unfinished = [(job, who) for job, fire, who, outcome in runs
                  if outcome != "ok" and not (who != victim and fire == latest[job])]
    assert all(who == victim for _, who in unfinished)
    assert len(unfinished) == len({job for job, _ in unfinished})  # at most one per job


def test_a_fire_time_is_claimed_once_and_taken_over_only_while_left_running(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "jobs.db")
    fire = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    now = fire + timedelta(seconds=1)
    assert history.claim("dlq_retry", fire, "w1", now)
    assert not history.claim("dlq_retry", fire, "w1", now)  # the same worker twice: a duplicate
    assert history.claim("dlq_retry", fire, "w2", now)  # w1 died running it; the engine handed it to w2
    history.finish("dlq_retry", fire, "ok", {"retried": 0}, now)
    assert not history.claim("dlq_retry", fire, "w3", now)  # finished: never again
    [run] = history.runs()
    assert (run.worker, run.outcome, run.summary, run.attempts) == ("w2", "ok", {"retried": 0}, 2)
    assert history.duplicates() == 2
    history.close()


def test_the_daily_plan_runs_at_eight_riyadh_on_saudi_working_days_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    [plan] = [spec for spec in default_jobs() if spec.job == "daily_plan"]
    trigger = _trigger(plan, settings, datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # a Thursday afternoon
    riyadh = ZoneInfo("Asia/Riyadh")
    fires = [trigger.next() for _ in range(6)]
    local = [fire.astimezone(riyadh) for fire in fires if fire is not None]
    assert local[0] == datetime(2026, 12, 6, 8, 0, tzinfo=riyadh)  # Sunday, after Friday and Saturday
    assert [day.strftime("%a") for day in local] == ["Sun", "Mon", "Tue", "Wed", "Thu", "Sun"]
    assert all((moment.hour, moment.minute) == (8, 0) for moment in local)


def test_interval_jobs_first_run_one_interval_after_start(tmp_path: Path) -> None:
    start = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    trigger = _trigger(JobSpec("dlq_retry", "dlq", every=timedelta(minutes=1)), Settings(data_dir=tmp_path), start)
    assert trigger.next() == start + timedelta(minutes=1)


def test_jobs_list_shows_schedule_next_and_last_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dealix.settings import get_settings

    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DEALIX_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    history = JobHistory(tmp_path / "jobs.db")
    fire = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    history.claim("approvals_sla", fire, "w1", fire)
    history.finish("approvals_sla", fire, "ok", {"expired": 2}, fire)
    history.close()
    shown = CliRunner().invoke(cli, ["jobs", "list", "--json"])
    get_settings.cache_clear()
    assert shown.exit_code == 0, shown.output
    rows = {row["job"]: row for row in json.loads(shown.stdout)}
    assert set(rows) == {"approvals_sla", "dlq_retry", "daily_plan", "followups"}
    assert rows["approvals_sla"]["last_run"]["outcome"] == "ok"
    assert rows["approvals_sla"]["last_run"]["summary"] == {"expired": 2}
    assert rows["daily_plan"]["schedule"] == "08:00 Sun-Thu" and rows["dlq_retry"]["last_run"] is None
    assert rows["followups"]["schedule"] == "every 600 s"


def test_a_served_app_runs_the_jobs_and_stops_them_on_shutdown(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from dealix.jobs import runner
    from dealix.jobs.runner import job_statuses

    settings = Settings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, serving=True)):
        assert runner._environment is not None
        statuses = job_statuses(settings)
        assert all(status.next_run is not None for status in statuses)  # each job is scheduled
    assert runner._environment is None


def test_jobs_off_starts_no_scheduler(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = Settings(data_dir=tmp_path / "data", jobs=False)
    with TestClient(create_app(settings, serving=True)):
        pass
    assert not (tmp_path / "data" / "scheduler.db").exists()


@pytest.mark.postgres
def test_on_postgresql_the_schedules_and_the_history_live_in_the_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
    if not url:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    from dealix.jobs.runner import JobRunner, job_statuses

    monkeypatch.setenv("DEALIX_DATABASE_URL", url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    runner = JobRunner(settings, jobs=[JobSpec("dlq_retry", "dlq", every=timedelta(seconds=1))])
    runner.start()
    try:
        _wait_for(lambda: job_statuses(settings)[1].last_run is not None, timeout=60)
    finally:
        runner.stop()
    dlq = job_statuses(settings)[1]
    assert dlq.job == "dlq_retry" and dlq.next_run is not None
    assert dlq.last_run is not None and dlq.last_run.outcome == "ok"
    assert not (tmp_path / "data" / "scheduler.db").exists() and not (tmp_path / "data" / "jobs.db").exists()
