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
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite files; the test database's URL for PostgreSQL (its schemas dropped afterwards)."""
    if request.param == "sqlite":
        yield None
        return
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    yield URL
    from tools.pgdb import drop_schemas

    drop_schemas(URL, tmp_path / "data")


@pytest.fixture
def store(url: str | None, tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "data" / "dealix.db", database_url=url)
    yield opened
    opened.close()


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


@pytest.fixture
def two_stores(url: str | None, tmp_path: Path) -> Iterator[tuple[Store, Store, str | None]]:
    first = Store(tmp_path / "data" / "first.db", database_url=url)
    second = Store(tmp_path / "data" / "second.db", database_url=url)
    for opened, name in ((first, "first"), (second, "second")):
        with opened.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('name', ?)", (name,))
    yield first, second, url
    first.close()
    second.close()


def test_reads_nested_in_reads_finish_with_every_pooled_connection_held(
        two_stores: tuple[Store, Store, str | None]) -> None:
    """A recipient check reads the lead directory and the consent book inside the gateway's read. With as many
    threads as the read pool has connections each holding one, a nested read that took a second connection
    waited for ever (issue 19: twenty drafts approved in one resume hung the API). A nested read shares its
    thread's connection, reads its own store, and leaves the enclosing read pointed at its own."""
    first, second, url = two_stores
    size = 4  # SQLite: any number of threads, each with its own read connection
    if url:
        from tools.pgdb import read_pool

        size = read_pool(url).size
    holding = threading.Barrier(size, timeout=10)
    seen: list[tuple[str | None, str | None, str | None]] = []
    failures: list[BaseException] = []

    def nested() -> None:
        try:
            with first.read() as outer:
                holding.wait()  # every pooled connection is held now
                with second.read() as inner:
                    inner_name = inner.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()[0]
                before = _value(first, "name")  # a read nested once more, then the enclosing one again
                after = outer.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()[0]
            seen.append((inner_name, before, after))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=nested) for _ in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads), "nested reads waited for a second connection"
    assert not failures, failures
    assert seen == [("second", "first", "first")] * size
