"""The run history of the scheduled jobs: each (job, fire time) is claimed once, then its outcome is written.

The claim is a second lock behind the engine's own: APScheduler hands one fire time to one worker,
and a worker that was handed one already claimed (which would be a bug of the engine or a clock
that went back) records a duplicate instead of running it. ``dealix jobs list`` reads the last run
of each job from here; the test of issue 19 counts runs per fire time here.
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class JobHistory:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def claim(self, job: str, fire_time: datetime, worker: str, now: datetime) -> bool:
        """True for the first claim of this fire time; a later one is recorded as a duplicate and refused."""
        with self._db.transaction() as conn:
            claimed = conn.execute(
                "INSERT OR IGNORE INTO job_runs (job, fire_time, worker, started_at, outcome, summary)"
                " VALUES (?, ?, ?, ?, 'running', '{}')", (job, _iso(fire_time), worker, _iso(now))).rowcount == 1
            if not claimed:
                conn.execute("INSERT INTO job_duplicates (job, fire_time, worker, at) VALUES (?, ?, ?, ?)",
                             (job, _iso(fire_time), worker, _iso(now)))
        return claimed

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
                       finished_at=r["finished_at"], outcome=r["outcome"], summary=json.loads(r["summary"]))
                for r in rows]

    def last_runs(self) -> dict[str, JobRun]:
        last: dict[str, JobRun] = {}
        for run in self.runs():  # ordered by fire time within each job
            last[run.job] = run
        return last

    def duplicates(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM job_duplicates").fetchone()[0])
