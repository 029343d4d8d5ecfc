"""A store's write transactions on PostgreSQL: the outermost begins with its advisory lock and ends with its
change notification in one round trip each; what fails is rolled back, a transaction opened inside another is
a savepoint of it, and the writer connection is still good afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.pgdb import drop_schemas
from tools.store import Database

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    database = Database(tmp_path / "data" / "notes.db", schema=SCHEMA, database_url=URL)
    yield database
    database.close()
    drop_schemas(URL, tmp_path / "data")


def _bodies(db: Database) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY id").fetchall()]


class Refused(Exception):
    pass


def test_a_transaction_that_fails_leaves_nothing_and_the_next_one_commits(db: Database) -> None:
    with pytest.raises(Refused), db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "half"))
        raise Refused
    with pytest.raises(Exception, match=r"duplicate key|unique"), db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "first"))
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "again"))  # the server refuses it
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (3, "kept"))
    assert _bodies(db) == ["kept"]


def test_a_transaction_inside_another_is_rolled_back_alone(db: Database) -> None:
    with db.transaction() as outer:
        outer.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "outer"))
        with pytest.raises(Refused), db.transaction() as inner:
            inner.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "inner"))
            raise Refused
        with db.transaction() as inner:
            inner.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (3, "inner, kept"))
        assert _bodies(db) == ["outer", "inner, kept"]  # this thread reads its own open transaction
    assert _bodies(db) == ["outer", "inner, kept"]


def test_a_transaction_that_only_reads_commits_and_leaves_no_lock(db: Database, tmp_path: Path) -> None:
    with db.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
    other = Database(tmp_path / "data" / "notes.db", schema=SCHEMA, database_url=URL)  # another writer connection
    try:
        with other.transaction() as conn:  # would wait forever on a lock left held
            conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "after a read"))
    finally:
        other.close()
    assert _bodies(db) == ["after a read"]
