"""Reads do not queue behind the writer (issue 19: every read waited on one lock-guarded connection), and still
see what they must: a committed write at once, a transaction's own rows inside it, nobody's uncommitted rows."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.store import Store

URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = None
    if request.param == "postgres":
        if not URL:
            pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
        url = URL
    opened = Store(tmp_path / "data" / "dealix.db", database_url=url)
    yield opened
    opened.close()
    if url:
        from tools.pgdb import drop_schemas

        drop_schemas(url, tmp_path / "data")


def _value(store: Store, key: str) -> str | None:
    with store.read() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def test_a_read_runs_while_another_thread_holds_a_write_transaction(store: Store) -> None:
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('pending', 'x')")
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        answered: list[str | None] = []
        reader = threading.Thread(target=lambda: answered.append(_value(store, "schema_version")))
        started = time.monotonic()
        reader.start()
        reader.join(5)
        assert answered == ["1"], "the read waited for the writer"
        assert time.monotonic() - started < 2
        assert _value(store, "pending") is None  # nobody reads another's uncommitted row
    finally:
        release.set()
        thread.join(10)
    assert _value(store, "pending") == "x"  # committed: the next read sees it


def test_a_transaction_reads_its_own_uncommitted_rows_and_a_commit_is_seen_by_the_next_read(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('mine', '1')")
        assert _value(store, "mine") == "1"  # a read() nested in the transaction, on its thread
    assert _value(store, "mine") == "1"
    for n in range(20):  # read-your-writes, every time, on the same thread's read connection
        with store.transaction() as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'mine'", (str(n),))
        assert _value(store, "mine") == str(n)


def test_a_read_beside_a_writer_cannot_write(store: Store) -> None:
    """A read that runs beside a write transaction has a read-only connection: it cannot slip past the writer."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.transaction():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(Exception, match=r"(?i)read.?only"), store.read() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('sneaky', '1')")
    finally:
        release.set()
        thread.join(10)
    assert _value(store, "sneaky") is None


def test_many_threads_read_at_once_while_one_writes(store: Store) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            with store.transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('counter', ?)", (str(n),))

    def read() -> None:
        try:
            last = 0
            for _ in range(200):
                value = int(_value(store, "counter") or 0)
                assert value >= last  # never back in time
                last = value
        except BaseException as error:  # reported below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    readers = [threading.Thread(target=read) for _ in range(6)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(60)
    stop.set()
    writer.join(10)
    assert errors == []
