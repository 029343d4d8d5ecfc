"""Where a contact's identifiers still appear in the data dir: every SQLite file, every table and
text column, and the outbox files. Read-only; used to discover stores an export should mention
and to prove an erasure complete.

Identifiers are the contact's emails, phone spellings and full name, as the stores wrote them.
Values are compared as bytes (``instr`` over ``CAST(... AS BLOB)``), so a name inside a JSON
document or a msgpack checkpoint is found as well as a plain column.

With ``DEALIX_DATABASE_URL`` set the stores are PostgreSQL schemas of this data dir's namespace
(:mod:`tools.pgdb`); each is scanned the same way (text and JSON as text, ``bytea`` as bytes)
and reported under its file's name (``dx_<ns>_targeting`` as ``targeting.db``). What SQL can no
longer read (dead row versions before vacuum, WAL, backups) is outside this scan: see
docs/reliability.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from dealix.privacy.models import Residual
from tools.store import configured_database_url

_MIN_LENGTH = 6  # shorter values (a first name, a city) would match unrelated rows


def usable(identifiers: Iterable[str]) -> list[str]:
    return sorted({i.strip() for i in identifiers if i and len(i.strip()) >= _MIN_LENGTH})


def scan(data_dir: Path, identifiers: Iterable[str], *, skip: Iterable[str] = ()) -> list[Residual]:
    """Every place under ``data_dir`` holding one of ``identifiers``; ``skip`` names files to leave out."""
    values = usable(identifiers)
    if not values or not data_dir.exists():
        return []
    skipped = set(skip)
    found: list[Residual] = []
    for path in sorted(data_dir.rglob("*")):
        name = path.relative_to(data_dir).as_posix()
        if not path.is_file() or name in skipped or name.endswith(("-wal", "-shm", "-journal", ".lock")):
            continue
        if _is_sqlite(path):
            found.extend(_scan_database(path, name, values))
        elif name.startswith("outbox/") and _file_holds(path, values):
            found.append(Residual(store=name, rows=1))
    url = configured_database_url()
    if url is not None:
        found.extend(r for r in _scan_postgres(url, data_dir, values) if r.store not in skipped)
    return found


def _scan_postgres(url: str, data_dir: Path, values: list[str]) -> list[Residual]:
    import psycopg
    from psycopg import sql

    from tools.pgdb import NAMESPACE_FILE, namespace

    if not (data_dir / NAMESPACE_FILE).exists():
        return []
    prefix = f"dx_{namespace(data_dir)}_"
    found = []
    with psycopg.connect(url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
            " WHERE starts_with(table_schema, %s) ORDER BY table_schema, table_name, ordinal_position",
            (prefix,)).fetchall()
        for schema, table, column, data_type in columns:
            name = sql.Identifier(column)
            test = (sql.SQL("position(convert_to({v}, 'UTF8') in {c}) > 0") if data_type == "bytea"
                    else sql.SQL("strpos(CAST({c} AS text), {v}) > 0"))
            where = sql.SQL(" OR ").join(test.format(c=name, v=sql.Placeholder()) for _ in values)
            query = sql.SQL("SELECT COUNT(*) FROM {t} WHERE {w}").format(t=sql.Identifier(schema, table), w=where)
            row = conn.execute(query, values).fetchone()
            if row and row[0]:
                found.append(Residual(store=f"{schema.removeprefix(prefix)}.db", table=table, column=column,
                                      rows=int(row[0])))
    return found


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _file_holds(path: Path, values: list[str]) -> bool:
    data = path.read_bytes()
    return any(v.encode() in data for v in values)


def _scan_database(path: Path, name: str, values: list[str]) -> list[Residual]:
    found = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                where = " OR ".join(f'instr(CAST("{column}" AS BLOB), CAST(? AS BLOB)) > 0' for _ in values)
                rows = conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {where}', values).fetchone()[0]  # noqa: S608
                if rows:
                    found.append(Residual(store=name, table=table, column=column, rows=int(rows)))
    except sqlite3.DatabaseError:
        found.append(Residual(store=name, rows=0))  # unreadable (encrypted, locked): say so, do not guess
    finally:
        conn.close()
    return found
