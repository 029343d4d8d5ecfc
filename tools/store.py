"""The gateway's durable store: one SQLite file (WAL) holding audit, approvals, ledger and consent.

Everything that must agree (an approval consumed and its side-effect row started, a decision and
its audit event) is written in one transaction. ``BEGIN IMMEDIATE`` takes SQLite's write lock up
front, so the audit chain stays linear across processes: a writer reads the chain head and appends
while no one else can.

Durability: WAL with ``synchronous=NORMAL`` survives a crash of the process (every commit is in
the WAL before ``commit()`` returns); ``DEALIX_SQLITE_SYNCHRONOUS=FULL`` also survives power loss
at the cost of an fsync per commit (figures in ``bench/results/gateway.md``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS audit_events (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    ts         TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_tenant ON audit_events (tenant, seq);

-- The signed chain head: truncating the tail of audit_events cannot also forge this row.
CREATE TABLE IF NOT EXISTS audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL,
    mac   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS approvals (
    approval_id     TEXT PRIMARY KEY,
    tenant          TEXT NOT NULL,
    thread_id       TEXT NOT NULL,
    tool_call_id    TEXT NOT NULL,
    skill           TEXT NOT NULL,
    action          TEXT NOT NULL,
    args            TEXT NOT NULL,
    contact_id      TEXT,
    digest          TEXT NOT NULL,
    policy_version  TEXT NOT NULL,
    approver_roles  TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    decided_by      TEXT,
    decided_role    TEXT,
    decided_at      TEXT,
    reason          TEXT,
    consumed_at     TEXT,
    superseded_by   TEXT
);
CREATE INDEX IF NOT EXISTS approvals_pending ON approvals (tenant, status);

CREATE TABLE IF NOT EXISTS side_effects (
    effect_key    TEXT PRIMARY KEY,       -- thread | tool call | args digest
    ledger_id     TEXT NOT NULL UNIQUE,
    tenant        TEXT NOT NULL,
    action        TEXT NOT NULL,
    contact_id    TEXT,
    channel       TEXT,
    approval_id   TEXT,
    status        TEXT NOT NULL,          -- started | done | failed
    result        TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    lease_until   TEXT                    -- while set and in the future, a live worker is running it
);
CREATE INDEX IF NOT EXISTS side_effects_contact ON side_effects (tenant, contact_id, channel, started_at);

CREATE TABLE IF NOT EXISTS consent_events (
    id             INTEGER PRIMARY KEY,
    tenant         TEXT NOT NULL,
    contact_id     TEXT NOT NULL,
    channel        TEXT NOT NULL,
    status         TEXT NOT NULL,         -- opt_in | opt_out
    lawful_basis   TEXT NOT NULL,
    source         TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    address        TEXT,
    quiet_start    TEXT,
    quiet_end      TEXT,
    max_per_week   INTEGER
);
CREATE INDEX IF NOT EXISTS consent_contact ON consent_events (tenant, contact_id, channel, id);

CREATE TABLE IF NOT EXISTS rate_counters (
    tenant        TEXT NOT NULL,
    action        TEXT NOT NULL,
    channel       TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (tenant, action, channel, window_start)
);

CREATE TABLE IF NOT EXISTS revenue_work_units (
    rwu_id       TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    type         TEXT NOT NULL,
    audit_event  TEXT NOT NULL,
    ts           TEXT NOT NULL,
    ref          TEXT,
    value_sar    REAL
);
CREATE INDEX IF NOT EXISTS rwu_tenant ON revenue_work_units (tenant, ts);
"""


class SqliteDatabase:
    """One SQLite connection (WAL) shared by a process, guarded by a lock, with a schema applied.

    SQLite serialises writers across processes; the lock serialises threads of this process on
    the one connection (FastAPI runs sync routes in a thread pool). The gateway's ``Store`` and
    other domain repositories (targeting) are built on this.
    """

    def __init__(self, path: Path | str, *, schema: str, synchronous: str | None = None,
                 named_rows: bool = True) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30.0
        )
        if named_rows:
            self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        sync = (synchronous or os.environ.get("DEALIX_SQLITE_SYNCHRONOUS", "NORMAL")).upper()
        if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"DEALIX_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {sync!r}")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={sync}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            # executescript issues its own COMMIT, so it runs outside the transaction helper.
            self._conn.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock from its first statement."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def secure_erase(self) -> None:
        """From now on, overwrite deleted and rewritten content with zeros (before erasing personal data)."""
        with self._lock:
            self._conn.execute("PRAGMA secure_delete=ON")

    def compact(self) -> None:
        """Rebuild the file (VACUUM) and empty the WAL, so no old copy of an erased row outlives it:
        neither a stale cell left in a page by an earlier update nor a page image in the WAL."""
        with self._lock:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Store(SqliteDatabase):
    """The gateway's store: audit, approvals, ledger, consent, rate counters, work units."""

    def __init__(self, path: Path | str, *, synchronous: str | None = None) -> None:
        super().__init__(path, schema=_SCHEMA, synchronous=synchronous)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            # Stores created before the execution lease existed gain its column (NULL: no lease held).
            columns = {row[1] for row in conn.execute("PRAGMA table_info(side_effects)")}
            if "lease_until" not in columns:
                conn.execute("ALTER TABLE side_effects ADD COLUMN lease_until TEXT")
