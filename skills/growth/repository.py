"""The growth loop's SQLite store: experiments and their results, outcomes, daily plans and follow-ups.

Every statement is here and every query names its tenant, so one tenant never reads another's
experiments or outcomes (a PostgreSQL twin is a contained change). Times are stored in UTC ISO form.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from skills.growth.models import Experiment, FollowupSuggestion, OutcomeRecord
from tools.store import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    tenant         TEXT NOT NULL,
    experiment_id  TEXT NOT NULL,
    data           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant, experiment_id)
);
CREATE TABLE IF NOT EXISTS experiment_results (
    tenant         TEXT NOT NULL,
    experiment_id  TEXT NOT NULL,
    contact_id     TEXT NOT NULL,
    variant_id     TEXT NOT NULL,
    success        INTEGER NOT NULL,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (tenant, experiment_id, contact_id)
);
CREATE TABLE IF NOT EXISTS outcomes (
    id             INTEGER PRIMARY KEY,
    tenant         TEXT NOT NULL,
    dedupe_key     TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    data           TEXT NOT NULL,
    UNIQUE (tenant, dedupe_key)
);
CREATE INDEX IF NOT EXISTS outcomes_time ON outcomes (tenant, occurred_at);
CREATE TABLE IF NOT EXISTS daily_plans (
    tenant         TEXT NOT NULL,
    thread_id      TEXT NOT NULL PRIMARY KEY,
    day            TEXT NOT NULL,
    started_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS daily_plans_tenant ON daily_plans (tenant, started_at);
CREATE TABLE IF NOT EXISTS followups (
    tenant         TEXT NOT NULL,
    thread_id      TEXT NOT NULL,
    lead_id        TEXT NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (tenant, thread_id, lead_id)
);
-- What became of each due follow-up (dealix/jobs "followups"): claimed by one worker, then drafted
-- (an approval waits for a person) or skipped (the lead replied, no address, the gateway refused).
CREATE TABLE IF NOT EXISTS followup_drafts (
    tenant         TEXT NOT NULL,
    thread_id      TEXT NOT NULL,
    lead_id        TEXT NOT NULL,
    status         TEXT NOT NULL,          -- claimed | drafted | skipped
    claimed_at     TEXT NOT NULL,
    approval_id    TEXT,
    reason         TEXT,
    PRIMARY KEY (tenant, thread_id, lead_id)
);
"""


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class GrowthRepository:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- experiments ----------------------------------------------------------------------------
    def add_experiment(self, experiment: Experiment) -> bool:
        """False when the tenant already has an experiment with this id (nothing is changed)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO experiments (tenant, experiment_id, data, created_at) VALUES (?,?,?,?)",
                (experiment.tenant, experiment.experiment_id, experiment.model_dump_json(),
                 _utc(experiment.created_at)))
            return cursor.rowcount == 1

    def save_experiment(self, experiment: Experiment) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE experiments SET data = ? WHERE tenant = ? AND experiment_id = ?",
                         (experiment.model_dump_json(), experiment.tenant, experiment.experiment_id))

    def experiment(self, tenant: str, experiment_id: str) -> Experiment | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT data FROM experiments WHERE tenant = ? AND experiment_id = ?",
                               (tenant, experiment_id)).fetchone()
        return Experiment.model_validate_json(row["data"]) if row else None

    def experiments(self, tenant: str) -> list[Experiment]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT data FROM experiments WHERE tenant = ? ORDER BY created_at, experiment_id",
                                (tenant,)).fetchall()
        return [Experiment.model_validate_json(r["data"]) for r in rows]

    def record_result(self, tenant: str, experiment_id: str, contact_id: str, variant_id: str, success: bool,
                      at: datetime) -> None:
        """One result per contact: a later record for the same contact replaces the earlier one."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO experiment_results (tenant, experiment_id, contact_id, variant_id, success, recorded_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (tenant, experiment_id, contact_id) DO UPDATE SET"
                " variant_id = excluded.variant_id, success = excluded.success, recorded_at = excluded.recorded_at",
                (tenant, experiment_id, contact_id, variant_id, int(success), _utc(at)))

    def result_counts(self, tenant: str, experiment_id: str) -> dict[str, tuple[int, int]]:
        """variant id -> (contacts, successes)."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT variant_id, COUNT(*) AS n, SUM(success) AS s FROM experiment_results"
                " WHERE tenant = ? AND experiment_id = ? GROUP BY variant_id", (tenant, experiment_id)).fetchall()
        return {r["variant_id"]: (int(r["n"]), int(r["s"] or 0)) for r in rows}

    # -- outcomes -------------------------------------------------------------------------------
    def add_outcomes(self, tenant: str, records: list[tuple[str, OutcomeRecord]]) -> int:
        """Store (dedupe key, record) pairs; a key seen before is skipped. Returns how many were new."""
        added = 0
        with self._db.transaction() as conn:
            for key, record in records:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO outcomes (tenant, dedupe_key, occurred_at, data) VALUES (?,?,?,?)",
                    (tenant, key, _utc(record.occurred_at), record.model_dump_json()))
                added += cursor.rowcount
        return added

    def outcomes(self, tenant: str, start: datetime, end: datetime) -> list[OutcomeRecord]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT data FROM outcomes WHERE tenant = ? AND occurred_at >= ? AND occurred_at < ?"
                " ORDER BY occurred_at, id", (tenant, _utc(start), _utc(end))).fetchall()
        return [OutcomeRecord.model_validate_json(r["data"]) for r in rows]

    # -- daily plans and follow-ups -------------------------------------------------------------
    def add_plan(self, tenant: str, thread_id: str, day: str, started_at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO daily_plans (tenant, thread_id, day, started_at) VALUES (?,?,?,?)",
                         (tenant, thread_id, day, _utc(started_at)))

    def latest_plan(self, tenant: str) -> str | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT thread_id FROM daily_plans WHERE tenant = ?"
                               " ORDER BY started_at DESC, rowid DESC LIMIT 1", (tenant,)).fetchone()
        return str(row["thread_id"]) if row else None

    def has_plan(self, tenant: str, thread_id: str) -> bool:
        with self._db.read() as conn:
            return conn.execute("SELECT 1 FROM daily_plans WHERE tenant = ? AND thread_id = ?",
                                (tenant, thread_id)).fetchone() is not None

    def followup(self, tenant: str, thread_id: str, lead_id: str) -> FollowupSuggestion | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT data FROM followups WHERE tenant = ? AND thread_id = ? AND lead_id = ?",
                               (tenant, thread_id, lead_id)).fetchone()
        return FollowupSuggestion.model_validate_json(row["data"]) if row else None

    def add_followup(self, tenant: str, thread_id: str, suggestion: FollowupSuggestion) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO followups (tenant, thread_id, lead_id, data) VALUES (?,?,?,?)",
                         (tenant, thread_id, suggestion.lead_id, suggestion.model_dump_json()))

    def due_followups(self, tenant: str, now: datetime, *, lease: timedelta
                      ) -> list[tuple[str, FollowupSuggestion]]:
        """(plan thread, suggestion) of every follow-up due by ``now`` that no worker drafted or holds:
        never claimed, or claimed longer than ``lease`` ago by a worker that did not finish."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT f.thread_id, f.data FROM followups f LEFT JOIN followup_drafts d"
                " ON d.tenant = f.tenant AND d.thread_id = f.thread_id AND d.lead_id = f.lead_id"
                " WHERE f.tenant = ? AND (d.status IS NULL OR (d.status = 'claimed' AND d.claimed_at < ?))"
                " ORDER BY f.thread_id, f.lead_id", (tenant, _utc(now - lease))).fetchall()
        due = [(str(r[0]), FollowupSuggestion.model_validate_json(r[1])) for r in rows]
        return [(thread, s) for thread, s in due if s.due_at <= now]

    def claim_followup(self, tenant: str, thread_id: str, lead_id: str, now: datetime, *, lease: timedelta) -> bool:
        """True for exactly one caller per follow-up (another may claim it again once ``lease`` has passed)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO followup_drafts (tenant, thread_id, lead_id, status, claimed_at)"
                " VALUES (?,?,?,'claimed',?)", (tenant, thread_id, lead_id, _utc(now)))
            if cursor.rowcount == 1:
                return True
            cursor = conn.execute(
                "UPDATE followup_drafts SET claimed_at = ? WHERE tenant = ? AND thread_id = ? AND lead_id = ?"
                " AND status = 'claimed' AND claimed_at < ?",
                (_utc(now), tenant, thread_id, lead_id, _utc(now - lease)))
            return cursor.rowcount == 1

    def finish_followup(self, tenant: str, thread_id: str, lead_id: str, *, status: str,
                        approval_id: str | None = None, reason: str | None = None) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE followup_drafts SET status = ?, approval_id = ?, reason = ?"
                         " WHERE tenant = ? AND thread_id = ? AND lead_id = ?",
                         (status, approval_id, reason, tenant, thread_id, lead_id))

    def followup_drafts(self, tenant: str) -> list[dict[str, str | None]]:
        """What became of each due follow-up of ``tenant`` (status, approval id, reason), by plan and lead."""
        with self._db.read() as conn:
            rows = conn.execute("SELECT thread_id, lead_id, status, approval_id, reason FROM followup_drafts"
                                " WHERE tenant = ? ORDER BY thread_id, lead_id", (tenant,)).fetchall()
        return [{"thread_id": r[0], "lead_id": r[1], "status": r[2], "approval_id": r[3], "reason": r[4]}
                for r in rows]


def dedupe_key(*parts: str) -> str:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


__all__ = ["GrowthRepository", "dedupe_key"]
