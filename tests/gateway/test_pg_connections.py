"""Store objects built per request (a graph's context per approval answered) cost no PostgreSQL connection
unless they write: 200 racing approvals used to open two each and ran the server out of connections."""

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
