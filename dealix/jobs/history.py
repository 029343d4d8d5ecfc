"""The run history of the scheduled jobs: each (job, fire time) is claimed once, then its outcome is written.

The claim is a second lock behind the engine's own. APScheduler hands one fire time to one worker;
it hands it to another only when the first one's lease lapsed, i.e. that worker died (or hung for
a whole lease) in the middle of the job. The new worker then takes the claim over and does the job
(``attempts`` counts it); the jobs are sweeps, so finishing an interrupted one is safe. A claim on a
fire time that already finished is refused and recorded as a duplicate. ``dealix jobs list`` reads
the last run of each job here; the test of issue 19 counts runs per fire time here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from tools.store import Database

Outcome = Literal["running", "ok", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS job_runs (
    job          TEXT NOT NULL,
    fire_time    TEXT NOT NULL,      -- the scheduled time (UTC ISO), not when it started
    worker       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT NOT NULL,      -- running | ok | failed
    summary      TEXT NOT NULL,      -- JSON: counts only, never personal data
    attempts     INTEGER NOT NULL DEFAULT 1,  -- 2+: taken over from a worker that died running it
    PRIMARY KEY (job, fire_time)
);
CREATE TABLE IF NOT EXISTS job_duplicates (
    job        TEXT NOT NULL,
    fire_time  TEXT NOT NULL,
    worker     TEXT NOT NULL,
    at         TEXT NOT NULL
);
"""


class JobRun(BaseModel):
    job: str
    fire_time: datetime
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: Outcome
    summary: dict[str, object]
    attempts: int = 1


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class JobHistory:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def claim(self, job: str, fire_time: datetime, worker: str, now: datetime) -> bool:
        """True for the first claim of this fire time, or a takeover of one another worker left running;
        a claim of a finished one (or of one this worker holds) is recorded as a duplicate and refused."""
        key = (job, _iso(fire_time))
        with self._db.transaction() as conn:
            held = conn.execute("SELECT worker, outcome FROM job_runs WHERE job = ? AND fire_time = ?", key).fetchone()
            if held is None:
                conn.execute("INSERT INTO job_runs (job, fire_time, worker, started_at, outcome, summary)"
                             " VALUES (?, ?, ?, ?, 'running', '{}')", (*key, worker, _iso(now)))
                return True
            if held["outcome"] == "running" and held["worker"] != worker:
                conn.execute("UPDATE job_runs SET worker = ?, started_at = ?, attempts = attempts + 1"
                             " WHERE job = ? AND fire_time = ?", (worker, _iso(now), *key))
                return True
            conn.execute("INSERT INTO job_duplicates (job, fire_time, worker, at) VALUES (?, ?, ?, ?)",
                         (*key, worker, _iso(now)))
        return False

    def finish(self, job: str, fire_time: datetime, outcome: Outcome, summary: dict[str, object],
               now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE job_runs SET outcome = ?, summary = ?, finished_at = ?"
                         " WHERE job = ? AND fire_time = ?",
                         (outcome, json.dumps(summary, sort_keys=True, default=str), _iso(now), job,
                          _iso(fire_time)))

    def runs(self, job: str | None = None) -> list[JobRun]:
        query, params = "SELECT * FROM job_runs", tuple[str, ...]()
        if job is not None:
            query, params = query + " WHERE job = ?", (job,)
        with self._db.read() as conn:
            rows = conn.execute(query + " ORDER BY job, fire_time", params).fetchall()
        return [JobRun(job=r["job"], fire_time=r["fire_time"], worker=r["worker"], started_at=r["started_at"],
                       finished_at=r["finished_at"], outcome=r["outcome"], summary=json.loads(r["summary"]),
                       attempts=r["attempts"])
                for r in rows]

    def last_runs(self) -> dict[str, JobRun]:
        last: dict[str, JobRun] = {}
        for run in self.runs():  # ordered by fire time within each job
            last[run.job] = run
        return last

    def duplicates(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM job_duplicates").fetchone()[0])
