"""The gateway's durable store: one SQLite file (WAL) holding audit, approvals, ledger and consent.

Every store (this one and the domain repositories) is a :class:`Database`: SQLite by default, or
its PostgreSQL twin (:mod:`tools.pgdb`, one schema per file) when ``DEALIX_DATABASE_URL`` is a
``postgresql://`` URL. The stores' SQL is written once, in SQLite's dialect
(:mod:`tools.sqldialect` rewrites it for PostgreSQL), against the small :class:`Conn` protocol.

Everything that must agree (an approval consumed and its side-effect row started, a decision and
its audit event) is written in one transaction. ``BEGIN IMMEDIATE`` takes SQLite's write lock up
front, so the audit chain stays linear across processes: a writer reads the chain head and appends
while no one else can.

Durability: WAL with ``synchronous=NORMAL`` survives a crash of the process (every commit is in
the WAL before ``commit()`` returns); ``DEALIX_SQLITE_SYNCHRONOUS=FULL`` also survives power loss
at the cost of an fsync per commit (figures in ``bench/results/gateway.md``). The WAL is
checkpointed back into the file by a background thread (:mod:`tools.store_checkpoint`), not
inside the commit that happens to cross SQLite's threshold.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tools.store_checkpoint import BACKSTOP_PAGES, wal_checkpointer

if TYPE_CHECKING:
    from tools.pgdb import PostgresDatabase

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
    superseded_by   TEXT,
    recipient       TEXT                    -- an outreach's recipient check (JSON), shown to the approver
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

-- Dead-letter queue (tools/deadletter.py): one letter per failed side-effect row, written in the
-- transaction that records the failure. args are kept like an approval's; the error text is masked.
CREATE TABLE IF NOT EXISTS dead_letters (
    letter_id        TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    ledger_id        TEXT NOT NULL UNIQUE,   -- one letter per side-effect row (effect key)
    effect_key       TEXT NOT NULL,
    digest           TEXT NOT NULL,
    action           TEXT NOT NULL,
    skill            TEXT NOT NULL,
    args             TEXT NOT NULL,
    thread_id        TEXT NOT NULL,
    tool_call_id     TEXT NOT NULL,
    contact_id       TEXT,
    approval_id      TEXT,
    error_code       TEXT NOT NULL,
    error_message    TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    retry_safe       INTEGER NOT NULL,       -- 1: nothing can have left the machine; 0: in doubt
    status           TEXT NOT NULL,          -- waiting | retrying | exhausted | resolved | discarded | in_doubt
    first_failed_at  TEXT NOT NULL,
    last_failed_at   TEXT NOT NULL,
    next_retry_at    TEXT,
    resolved_at      TEXT,
    discarded_at     TEXT,
    discarded_by     TEXT,
    discard_reason   TEXT
);
CREATE INDEX IF NOT EXISTS dead_letters_due ON dead_letters (tenant, status, next_retry_at);

-- Per-tenant switch of each integration (tools/enablement.py); no row: the integration's default.
CREATE TABLE IF NOT EXISTS connector_enablement (
    tenant        TEXT NOT NULL,
    integration   TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    generation    INTEGER NOT NULL,       -- how many times this switch changed (keys each enable request)
    changed_by    TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    approval_id   TEXT,
    reason        TEXT,
    PRIMARY KEY (tenant, integration)
);
"""


class Row(Protocol):
    """A result row: by position and by column name (``sqlite3.Row`` and :class:`tools.pgdb.PgRow`)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """What the stores call on a connection, in SQLite's dialect (``sqlite3.Connection`` or :class:`PgConnection`)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...
    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


Backend = Literal["sqlite", "postgres"]
# Where SQLite's WAL is checkpointed: by a background thread (tools.store_checkpoint), or inside the
# commit that crosses 1,000 pages as SQLite does by default (kept for the benchmark's baseline).
Checkpoint = Literal["background", "inline"]


def configured_database_url() -> str | None:
    """The PostgreSQL URL every store uses, or None for SQLite files (``DEALIX_DATABASE_URL``)."""
    url = os.environ.get("DEALIX_DATABASE_URL", "").strip()
    return url if url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")) else None


def _pg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Database:
    """A durable store: the backend is picked once, when it is opened.

    ``:memory:`` is always SQLite (demos, tests). A file path is SQLite unless
    ``DEALIX_DATABASE_URL`` (or ``database_url=``) names a PostgreSQL database; then the file's
    stem and data dir name its schema there, and no file is written. The variable is read from
    the environment when the store is opened (``Settings.database_url`` reads the same one), so
    every repository keeps taking just a path.
    """

    def __init__(self, path: Path | str, *, schema: str, synchronous: str | None = None,
                 named_rows: bool = True, database_url: str | None = None,
                 checkpoint: Checkpoint = "background") -> None:
        self.path = Path(path)
        url = None if str(path) == ":memory:" else (database_url or configured_database_url())
        self.backend: Backend = "postgres" if url else "sqlite"
        self._engine: SqliteDatabase | PostgresDatabase
        if url:
            from tools.pgdb import PostgresDatabase  # only PostgreSQL deployments load psycopg's side

            self._engine = PostgresDatabase(_pg_url(url), path, schema=schema, named_rows=named_rows)
        else:
            self._engine = SqliteDatabase(path, schema=schema, synchronous=synchronous, named_rows=named_rows,
                                          checkpoint=checkpoint)

    def transaction(self) -> AbstractContextManager[Conn]:
        """One write transaction; writers of one store take turns across processes (both backends)."""
        return self._engine.transaction()

    def read(self) -> AbstractContextManager[Conn]:
        return self._engine.read()

    def close(self) -> None:
        self._engine.close()

    def version_probe(self) -> Callable[[], int | None] | None:
        """PostgreSQL: the store's change version (:mod:`tools.pg_signal`); SQLite: None, its file's
        ``data_version`` is read by :class:`tools.data_version.DataVersion` itself."""
        probe: Callable[[], int | None] | None = getattr(self._engine, "change_version", None)
        return probe if self.backend == "postgres" else None

    def secure_erase(self) -> None:
        self._engine.secure_erase()

    def compact(self) -> None:
        self._engine.compact()


def store_exists(path: Path) -> bool:
    """Whether the store of ``path`` exists (the file, or its PostgreSQL schema), without creating it."""
    url = configured_database_url()
    if url is None:
        return path.exists()
    from tools.pgdb import schema_exists

    return schema_exists(_pg_url(url), path)


def enable_wal(conn: sqlite3.Connection, *, timeout: float = 30.0) -> None:
    """Put ``conn``'s database in WAL mode, waiting out another process that holds it.

    Switching the journal mode needs an exclusive lock and SQLite answers ``database is locked``
    at once, without its busy handler, while another process is creating the same file's schema
    (two workers starting together). A database already in WAL mode is left alone.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


class SqliteDatabase:
    """A SQLite file (WAL) with a schema applied: one writer connection, and a read connection per thread.

    Writes take turns: one connection behind a lock in this process (FastAPI runs sync routes in a
    thread pool), and SQLite's write lock (``BEGIN IMMEDIATE``) across processes. Reads do not
    queue behind them: a read takes the writer's connection when it is idle (no extra connection
    for a store object that lives one request), and otherwise this thread's own read connection
    (opened on its first such read, ``query_only``, closed when the thread has ended), since WAL
    lets any number of readers run beside the one writer. A read statement sees every transaction
    committed before it started, so a request reads its own writes once they are committed; inside
    :meth:`transaction` the same thread reads through the writer, and so sees the transaction's own
    uncommitted rows. A cursor left half-read on a read connection keeps its snapshot until it is
    read to the end or dropped (CPython drops it with its last reference), so reads hold their
    cursors no longer than they need them.

    ``:memory:`` has one connection for everything (another connection would be another database).
    The gateway's ``Store`` and the domain repositories (targeting, growth …) are built on this.
    """

    def __init__(self, path: Path | str, *, schema: str, synchronous: str | None = None,
                 named_rows: bool = True, checkpoint: Checkpoint = "background") -> None:
        self.path = Path(path)
        self._memory = str(path) == ":memory:"
        self._named = named_rows
        self._checkpointed: Path | None = None
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30.0
        )
        if named_rows:
            self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._local = threading.local()  # .depth: this thread's open transactions; .conn: its read connection
        self._readers: dict[threading.Thread, sqlite3.Connection] = {}
        self._readers_lock = threading.Lock()
        self._closed = False
        sync = (synchronous or os.environ.get("DEALIX_SQLITE_SYNCHRONOUS", "NORMAL")).upper()
        if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"DEALIX_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {sync!r}")
        enable_wal(self._conn)
        self._conn.execute(f"PRAGMA synchronous={sync}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            # executescript issues its own COMMIT, so it runs outside the transaction helper.
            self._conn.executescript(schema)
        if checkpoint == "background" and not self._memory:
            self._conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
            self._checkpointed = self.path
            wal_checkpointer().register(self.path)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock from its first statement."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._local.depth = getattr(self._local, "depth", 0) + 1
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._local.depth -= 1

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection to read from: this thread's own, or the writer's inside a transaction (or ``:memory:``)."""
        depth: int = getattr(self._local, "depth", 0)
        if self._memory or depth:
            with self._lock:
                yield self._conn
            return
        if self._lock.acquire(blocking=False):  # the writer is idle: read through it, as a lone reader always did
            try:
                yield self._conn
            finally:
                self._lock.release()
            return
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._reader()
        yield conn

    def _reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30.0)
        if self._named:
            conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        with self._readers_lock:
            if self._closed:
                conn.close()
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            for thread in [t for t in self._readers if not t.is_alive()]:  # threads that ended (an idle pool shrank)
                self._readers.pop(thread).close()
            self._readers[threading.current_thread()] = conn
        return conn

    def close(self) -> None:
        if self._checkpointed is not None:
            wal_checkpointer().unregister(self._checkpointed)
            self._checkpointed = None
        with self._readers_lock:
            self._closed = True
            readers, self._readers = list(self._readers.values()), {}
        for conn in readers:
            conn.close()
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
            for _ in range(100):
                # Busy at once, without waiting, while the background checkpointer's own pass runs:
                # try again, or the old page images stay in the WAL file.
                if self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0:
                    break
                time.sleep(0.02)


class Store(Database):
    """The gateway's store: audit, approvals, ledger, consent, rate counters, work units."""

    def __init__(self, path: Path | str, *, synchronous: str | None = None, database_url: str | None = None,
                 checkpoint: Checkpoint = "background") -> None:
        super().__init__(path, schema=_SCHEMA, synchronous=synchronous, database_url=database_url,
                         checkpoint=checkpoint)
        # Spent approvals and erasures rewrite personal data in place: zero what they free, so no
        # old copy lingers in a page (Debian's SQLite does this by default; other builds do not).
        self.secure_erase()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            # Stores created before the execution lease existed gain its column (NULL: no lease held).
            columns = {row[1] for row in conn.execute("PRAGMA table_info(side_effects)")}
            if "lease_until" not in columns:
                conn.execute("ALTER TABLE side_effects ADD COLUMN lease_until TEXT")
            # ... and approvals the recipient check an outreach approval shows (NULL: none).
            if "recipient" not in {row[1] for row in conn.execute("PRAGMA table_info(approvals)")}:
                conn.execute("ALTER TABLE approvals ADD COLUMN recipient TEXT")
