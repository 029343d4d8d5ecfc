"""Store objects built per request (a graph's context per approval answered) cost no PostgreSQL connection
unless they write: 200 racing approvals used to open two each and ran the server out of connections.

A store's outermost write transaction begins with its advisory lock and ends with its change notification in
one round trip each; what fails is rolled back, a transaction opened inside another is a savepoint of it,
and the writer connection is still good afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tools.pgdb import drop_schemas
from tools.store import Database

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    yield tmp_path / "data"
    drop_schemas(URL, tmp_path / "data")


def _writers() -> int:
    """This process's writer connections (each names itself ``dealix <pid>``)."""
    with psycopg.connect(URL, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                           (f"dealix {os.getpid()}",)).fetchone()
    return int(row[0]) if row else 0


def test_store_objects_opened_again_hold_no_connection_until_they_write(data: Path) -> None:
    first = Database(data / "notes.db", schema=SCHEMA, database_url=URL)  # creates the schema: one connection
    before = _writers()
    again = [Database(data / "notes.db", schema=SCHEMA, database_url=URL) for _ in range(10)]
    for store in again:
        with store.read() as conn:
            assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert _writers() == before
    with again[0].transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (1, 'x')")
    assert _writers() == before + 1
    with first.read() as conn:
        assert conn.execute("SELECT body FROM notes").fetchone()[0] == "x"
    for store in [first, *again]:
        store.close()


def test_a_dropped_schema_is_created_again_by_the_next_store(data: Path) -> None:
    Database(data / "notes.db", schema=SCHEMA, database_url=URL).close()
    drop_schemas(URL, data)
    store = Database(data / "notes.db", schema=SCHEMA, database_url=URL)
    with store.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (1, 'x')")
    store.close()


def _bodies(db: Database) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY id").fetchall()]


class Refused(Exception):
    pass


def test_a_transaction_that_fails_leaves_nothing_and_the_next_one_commits(data: Path) -> None:
    db = Database(data / "notes.db", schema=SCHEMA, database_url=URL)
    with pytest.raises(Refused), db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "half"))
        raise Refused
    with pytest.raises(Exception, match=r"duplicate key|unique"), db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "first"))
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "again"))  # the server refuses it
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (3, "kept"))
    assert _bodies(db) == ["kept"]


def test_a_transaction_inside_another_is_rolled_back_alone(data: Path) -> None:
    db = Database(data / "notes.db", schema=SCHEMA, database_url=URL)
    with db.transaction() as outer:
        outer.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "outer"))
        with pytest.raises(Refused), db.transaction() as inner:
            inner.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "inner"))
            raise Refused
        with db.transaction() as inner:
            inner.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (3, "inner, kept"))
        assert _bodies(db) == ["outer", "inner, kept"]  # this thread reads its own open transaction
    assert _bodies(db) == ["outer", "inner, kept"]


def test_a_transaction_that_only_reads_commits_and_leaves_no_lock(data: Path) -> None:
    db = Database(data / "notes.db", schema=SCHEMA, database_url=URL)
    with db.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
    other = Database(data / "notes.db", schema=SCHEMA, database_url=URL)  # another writer connection
    try:
        with other.transaction() as conn:  # would wait forever on a lock left held
            conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "after a read"))
    finally:
        other.close()
    assert _bodies(db) == ["after a read"]
