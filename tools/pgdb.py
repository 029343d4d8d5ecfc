"""The PostgreSQL twin of :class:`tools.store.SqliteDatabase` (``DEALIX_DATABASE_URL=postgresql://…``).

Each SQLite file of a data dir (``dealix.db``, ``targeting.db``, ``growth.db`` …) becomes one
PostgreSQL schema, ``dx_<namespace>_<file stem>``. The namespace is a random id written once
to ``data_dir/database.id`` (like ``secret.key``), so two data dirs sharing one database, say
two test runs, never see each other's rows, and a data dir created anew starts empty. Several
API workers of one deployment share the data dir, hence the namespace.

Concurrency, the same contract as SQLite's ``BEGIN IMMEDIATE``: every write transaction first
takes ``pg_advisory_xact_lock`` on a key of its schema. The stores read and then write in one
transaction (the audit chain's head, then the next event; an approval's status, then its
decision; a ledger row, then its lease), and under PostgreSQL's default READ COMMITTED two such
transactions would both read the same head and fork the chain or both decide one approval. The
lock makes writers of one schema take turns across threads, processes and hosts, and each
statement after it sees every earlier writer's commit. The lock ends with the transaction, also
when the client dies (the server rolls back and releases it). Reads use autocommit statements.

As with SQLite, writes go through one connection per store object, shared by the threads of a
process behind a lock; a broken connection (server restart) is replaced at the next use. Reads do not queue behind
it: they use a small pool of read-only connections shared by the stores of the process
(:class:`ReadPool`, ``DEALIX_PG_READ_CONNECTIONS``, default 4), except inside a transaction,
whose thread reads through the transaction's own connection.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.per_process import PerProcess
from tools.pg_signal import change_signal, notify_sql
from tools.sqldialect import TableShape, split_script, translate

if TYPE_CHECKING:
    import psycopg

NAMESPACE_FILE = "database.id"
_NUMERIC_OID = 1700


# ---- naming -----------------------------------------------------------------------------------------------------

def namespace(data_dir: Path) -> str:
    """The data dir's database namespace: 12 hex characters, created once in ``data_dir/database.id``."""
    path = data_dir / NAMESPACE_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: another worker never reads it half
        # written (it could read the file empty between an O_EXCL create and the write).
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(6))
        try:
            os.link(draft, path)
        except FileExistsError:  # another worker created it first: use theirs
            pass
        finally:
            draft.unlink()
    value = path.read_text().strip().lower()
    if not re.fullmatch(r"[0-9a-f]{6,32}", value):
        raise ValueError(f"{path} does not hold a database namespace id")
    return value


def schema_name(path: Path) -> str:
    """``dx_<namespace>_<stem>`` of a store file, e.g. ``dx_3f9a0c1b2d4e_targeting``."""
    stem = re.sub(r"[^a-z0-9_]", "_", path.stem.lower())[:40] or "store"
    return f"dx_{namespace(path.parent)}_{stem}"


def lock_key(schema: str) -> int:
    """A signed 64-bit advisory-lock key of a schema."""
    return int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)


# ---- rows -------------------------------------------------------------------------------------------------------

class PgRow(tuple[Any, ...]):
    """A result row read by position or by (case-insensitive) column name, as ``sqlite3.Row`` is."""

    __slots__ = ()
    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - replaced per column set by _row_class

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = self._index[key.lower()]
            except KeyError:
                raise IndexError(f"No item with that key: {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name.lower(), i)
    return type("PgRow", (PgRow,), {"__slots__": (), "_names": names, "_index": index})


def _number(value: Any) -> Any:
    """NUMERIC (what SUM of integers gives) as int when whole, else float, as SQLite answers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@lru_cache(maxsize=2)
def _row_factory(named: bool) -> Any:
    def factory(cursor: Any) -> Any:
        description = cursor.description
        if description is None:
            return tuple
        numeric = [i for i, column in enumerate(description) if column.type_code == _NUMERIC_OID]
        make = _row_class(tuple(column.name for column in description)) if named else tuple

        def row(values: Sequence[Any]) -> Any:
            if numeric:
                values = list(values)
                for i in numeric:
                    values[i] = _number(values[i])
            return make(values)

        return row

    return factory


# ---- the connection adapter -------------------------------------------------------------------------------------

def _param(value: Any) -> Any:
    if isinstance(value, bool):  # SQLite stores a bool as 0/1 in an INTEGER column; PostgreSQL would refuse it
        return int(value)
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL: written (and looked up)
        return value.replace("\x00", "\\x00")   # as the four characters \x00, the same way every time
    return value


def _params(params: Sequence[Any] | None) -> tuple[Any, ...]:
    return tuple(_param(p) for p in params or ())


class PgConnection:
    """What the stores call on a connection (``execute``, ``executemany``, ``executescript``), in SQLite's dialect."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self._sql: dict[tuple[str, bool], str] = {}
        self._shapes: dict[str, TableShape] = {}
        self.wrote = False  # a statement other than a SELECT ran since the flag was last cleared

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        params = _params(parameters)
        statement = self._translated(sql, bool(params))
        head = statement.lstrip()[:6].upper()
        if head != "SELECT":
            self.wrote = True
        if head.startswith(("CREATE", "ALTER", "DROP")):
            self._sql.clear()  # a table changed shape: INSERT OR REPLACE is rebuilt from the catalog
            self._shapes.clear()
        self._ready()
        return self._conn.execute(statement, params or None)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Any:
        statement = self._translated(sql, True)
        self._ready()
        cursor = self._conn.cursor()
        self.wrote = True
        cursor.executemany(statement, [_params(p) for p in seq_of_parameters])
        return cursor

    def executescript(self, script: str, /) -> None:
        """Every statement of a script, translated, sent in one round trip (no parameters: one simple query)."""
        statements = [self._translated(s, False) for s in split_script(script)]
        if statements:
            self.wrote = True
            self._sql.clear()
            self._shapes.clear()
            self._ready()
            self._conn.execute(";\n".join(statements))

    def _ready(self) -> None:
        """Make the connection serve this adapter's store before a statement (a writer's always does)."""

    def _translated(self, sql: str, with_params: bool) -> str:
        key = (sql, with_params)
        found = self._sql.get(key)
        if found is None:
            found = self._sql[key] = translate(sql, self._shape, with_params=with_params)
        return found

    def _shape(self, table: str) -> TableShape:
        if table not in self._shapes:
            self._ready()
            rows = self._conn.execute(translate(f"PRAGMA table_info({table})", self._shape, with_params=False))
            info = [(r[1], r[5]) for r in rows.fetchall()]
            self._shapes[table] = TableShape(columns=tuple(name for name, _ in info),
                                             primary_key=tuple(n for n, pk in sorted(info, key=lambda c: c[1]) if pk))
        return self._shapes[table]


# ---- the read pool ----------------------------------------------------------------------------------------------

READ_CONNECTIONS = 4  # default size of a process's read pool (``DEALIX_PG_READ_CONNECTIONS``)


class _Served:
    """What a pooled connection serves now (the schema on its search_path, the row shape it returns), and
    its adapter for each store it has served. Only the thread holding the connection touches it."""

    def __init__(self) -> None:
        self.schema = ""
        self.named_rows: bool | None = None
        self.adapters: dict[tuple[str, bool], _PooledConnection] = {}


class _PooledConnection(PgConnection):
    """A store's view of a pooled read connection: before each statement the connection is pointed at the
    store's schema and row shape, only when it last served another (``SET search_path`` is a round trip)."""

    def __init__(self, conn: psycopg.Connection[Any], served: _Served, schema: str, named_rows: bool) -> None:
        super().__init__(conn)
        self._served, self._schema, self._named = served, schema, named_rows

    def _ready(self) -> None:
        served = self._served
        if served.schema != self._schema:
            self._conn.execute(f'SET search_path TO "{self._schema}"')
            served.schema = self._schema
        if served.named_rows is not self._named:
            self._conn.row_factory = _row_factory(self._named)
            served.named_rows = self._named


class ReadPool:
    """Connections for reads, shared by every store of one database in this process (psycopg_pool).

    A pooled connection is autocommit and read-only (``default_transaction_read_only``). Each store
    reads through its own adapter of the connection, which points it at the store's schema and row
    shape before a statement, and only when it last served another store: a read of the gateway that
    checks the lead directory and comes back costs two ``SET search_path``, not four, and a connection
    that serves the same store again costs none. Results are fetched whole by psycopg's client-side
    cursors, so a cursor can still be read after its connection went back to the pool.
    """

    def __init__(self, url: str, *, size: int) -> None:
        from psycopg_pool import ConnectionPool

        self.size = size
        self._state: weakref.WeakKeyDictionary[psycopg.Connection[Any], _Served] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._held = threading.local()  # .conn: the connection this thread's reads share, while one is open
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=size, open=True, name="dealix-reads", configure=self._configure,
            kwargs={"autocommit": True, "application_name": f"dealix {os.getpid()} reads"})

    @staticmethod
    def _configure(conn: psycopg.Connection[Any]) -> None:
        conn.execute("SET default_transaction_read_only = on")

    @contextmanager
    def connection(self, schema: str, *, named_rows: bool) -> Iterator[PgConnection]:
        """A pooled connection serving ``schema``; a read nested in another read of this thread shares its
        connection (each store's statements go to its own schema), instead of taking a second one.

        Taking a second one is how a pool deadlocks: a check of a recipient reads the lead directory and
        the consent book while it holds the gateway's read, so as many threads as the pool has connections,
        each holding one and waiting for another, would wait for ever (twenty drafts approved together did).
        """
        held: psycopg.Connection[Any] | None = getattr(self._held, "conn", None)
        if held is not None:  # this thread already reads: share its connection
            yield self._adapter(held, schema, named_rows)
            return
        with self._pool.connection() as conn:
            self._held.conn = conn
            try:
                yield self._adapter(conn, schema, named_rows)
            finally:
                self._held.conn = None

    def _adapter(self, conn: psycopg.Connection[Any], schema: str, named_rows: bool) -> PgConnection:
        with self._lock:
            served = self._state.get(conn)
            if served is None:
                served = self._state[conn] = _Served()
        adapter = served.adapters.get((schema, named_rows))
        if adapter is None:
            adapter = served.adapters[schema, named_rows] = _PooledConnection(conn, served, schema, named_rows)
        return adapter

    def close(self) -> None:
        self._pool.close()


def _new_read_pool(url: str) -> ReadPool:
    size = int(os.environ.get("DEALIX_PG_READ_CONNECTIONS", "") or READ_CONNECTIONS)
    return ReadPool(url, size=max(1, size))


_pools: PerProcess[ReadPool] = PerProcess(_new_read_pool)


def read_pool(url: str) -> ReadPool:
    """This process's read pool of the database at ``url`` (one per process and URL, also after a fork)."""
    return _pools.get(url)


# ---- the database -----------------------------------------------------------------------------------------------

_applied: set[tuple[str, str, str]] = set()  # (url, schema, sha256 of the script) this process has applied


def _roll_back(conn: psycopg.Connection[Any]) -> None:
    """End a failed transaction (nothing to do on a connection that broke: the server rolled it back)."""
    import psycopg

    if conn.closed or conn.broken:
        return
    with suppress(psycopg.Error):
        conn.execute("ROLLBACK")


class PostgresDatabase:
    """One store (the twin of one SQLite file): a schema, one connection per process, serialised writers."""

    def __init__(self, url: str, path: Path | str, *, schema: str, named_rows: bool = True) -> None:
        self.path = Path(path)
        self.url = url
        self.schema = schema_name(self.path)
        self._key = lock_key(self.schema)
        # An outermost write transaction's first and last round trips, each one simple query: BEGIN with the
        # store's lock, and the change notification (a row only if the transaction changed one) with COMMIT.
        self._begin = f"BEGIN; SELECT pg_advisory_xact_lock({int(self._key)})"
        self._notify_and_commit = notify_sql().replace("%s", "'" + self.schema.replace("'", "''") + "'") + "; COMMIT"
        self._named = named_rows
        self._lock = threading.RLock()
        self._local = threading.local()  # .depth: this thread's open transactions (its reads use the writer)
        self._conn: psycopg.Connection[Any] | None = None
        self._adapter: PgConnection | None = None
        self._signal = change_signal(url)
        self._pid: int | None = None  # the backend pid of the writer connection, named to the signal
        # The writer connection is opened by the first write; a schema this process already applied is not
        # applied again. So a store object built per request (a graph's context) costs no connection unless
        # it writes: 200 racing approvals used to open one each and ran the server out of connections.
        applied = (url, self.schema, hashlib.sha256(schema.encode()).hexdigest())
        if applied not in _applied:
            with self._lock:
                adapter = self._connect(create=True)
                with self.transaction():
                    adapter.executescript(schema)
            _applied.add(applied)

    def _connect(self, *, create: bool = False) -> PgConnection:
        if self._conn is not None and not self._conn.closed and not self._conn.broken and self._adapter is not None:
            return self._adapter
        import psycopg

        # application_name names the worker process in pg_stat_activity (operations, and the two-worker test).
        conn = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory(self._named),
                               application_name=f"dealix {os.getpid()}")
        if create:
            with conn.transaction():  # two workers opening a new data dir at once: one creates, one waits
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._key,))
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        conn.execute(f'SET search_path TO "{self.schema}"')
        self._forget_pid()
        self._pid = conn.info.backend_pid
        self._signal.own_connection(self._pid)
        self._conn, self._adapter = conn, PgConnection(conn)
        return self._adapter

    def _forget_pid(self) -> None:
        if self._pid is not None:
            self._signal.own_connection(self._pid, mine=False)
            self._pid = None

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """One write transaction that holds this store's advisory lock from its first statement.

        A transaction that changed a row also notifies the change signal (:mod:`tools.pg_signal`),
        delivered to other processes at its commit; this process's version moves right after it.
        The outermost transaction of a thread begins with its lock in one round trip and ends with its
        notification in one (a gateway decision runs three to five of them: these were a third of its
        statements); one opened inside it is a savepoint."""
        with self._lock:
            adapter = self._connect()
            conn = self._conn
            assert conn is not None
            depth: int = getattr(self._local, "depth", 0)
            adapter.wrote = False
            self._local.depth = depth + 1
            try:
                if depth:
                    with conn.transaction():  # a savepoint in the transaction already open
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._key,))
                        yield adapter
                        changed = adapter.wrote and conn.execute(notify_sql(), (self.schema,)).fetchone() is not None
                else:
                    conn.execute(self._begin)
                    try:
                        yield adapter
                        if adapter.wrote:
                            changed = conn.execute(self._notify_and_commit).fetchone() is not None
                        else:
                            conn.execute("COMMIT")
                            changed = False
                    except BaseException:
                        _roll_back(conn)
                        raise
            finally:
                self._local.depth -= 1
            if changed:
                self._signal.committed(self.schema)

    def change_version(self) -> int | None:
        """This schema's change version (:class:`tools.pg_signal.ChangeSignal`); None: unknown, cache nothing."""
        return self._signal.version(self.schema)

    @contextmanager
    def read(self) -> Iterator[PgConnection]:
        """A connection to read from: one of the process's read pool, or this thread's transaction's own
        (where the transaction's uncommitted rows are). A read sees every commit made before it started."""
        depth: int = getattr(self._local, "depth", 0)
        if depth:
            with self._lock:
                yield self._connect()
            return
        with read_pool(self.url).connection(self.schema, named_rows=self._named) as adapter:
            yield adapter

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._forget_pid()

    def secure_erase(self) -> None:
        """Nothing to switch on: PostgreSQL has no ``secure_delete``; :meth:`compact` is what follows an erasure."""

    def compact(self) -> None:
        """``VACUUM`` this schema's tables, so the row versions an erasure left behind are pruned now rather
        than at autovacuum's leisure. It does not rewrite files (``VACUUM FULL`` would, under an exclusive lock),
        nor reach the WAL or backups: their retention is the operator's (docs/reliability.md)."""
        with self._lock:
            self._connect()
            assert self._conn is not None
            tables = [r[0] for r in self._conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (self.schema,)).fetchall()]
            for table in tables:
                self._conn.execute(f'VACUUM "{self.schema}"."{table}"')


@contextmanager
def claim_schema(conn: psycopg.Connection[Any], path: Path) -> Iterator[str]:
    """Create the schema of ``path`` if needed and point ``conn`` (autocommit) at it, holding its lock meanwhile.

    For a connection managed by someone else (the LangGraph checkpointer): the block runs their
    set-up (``CREATE TABLE IF NOT EXISTS`` and migrations) while other processes wait.
    """
    schema = schema_name(path)
    key = lock_key(schema)
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        yield schema
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def schema_exists(url: str, path: Path) -> bool:
    """Whether the store of ``path`` was ever created in the database (without creating it)."""
    import psycopg

    if not (path.parent / NAMESPACE_FILE).exists():
        return False
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema_name(path),)).fetchone()
    return row is not None


def drop_schemas(url: str, data_dir: Path) -> list[str]:
    """Drop every schema of one data dir's namespace (tests, or retiring a deployment); returns their names."""
    import psycopg

    if not (data_dir / NAMESPACE_FILE).exists():
        return []
    prefix = f"dx_{namespace(data_dir)}_"
    with psycopg.connect(url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)",
                                            (prefix,)).fetchall()]
        for name in names:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    _applied.difference_update({key for key in _applied if key[1] in names})  # a store opened again recreates it
    return names
