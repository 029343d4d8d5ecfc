"""PostgreSQL's change signal: a write that changed a row moves every cache's version, in this process at once
and in another process when its NOTIFY arrives; reads and empty transactions move nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.data_version import DataVersion
from tools.pg_signal import change_signal
from tools.pgdb import drop_schemas
from tools.store import Store

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    yield tmp_path / "data"
    drop_schemas(URL, tmp_path / "data")


def _write(store: Store, key: str) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, "1"))


def _ready(store: Store) -> DataVersion:
    version = DataVersion.of(store)
    assert change_signal(URL).wait_ready(10.0)
    assert version.current() is not None
    return version


def test_a_write_through_one_store_object_moves_the_other_objects_version_at_once(data: Path) -> None:
    reader, writer = Store(data / "dealix.db", database_url=URL), Store(data / "dealix.db", database_url=URL)
    version = _ready(reader)
    before = version.current()
    _write(writer, "a")
    assert version.current() != before  # no waiting: this process's commit moved it


def test_reads_and_transactions_that_change_nothing_leave_the_version_alone(data: Path) -> None:
    store = Store(data / "dealix.db", database_url=URL)
    version = _ready(store)
    _write(store, "a")
    time.sleep(0.3)  # let this process's own notification arrive (it must not move the version again)
    settled = version.current()
    with store.read() as conn:
        conn.execute("SELECT * FROM meta").fetchall()
    with store.transaction() as conn:
        conn.execute("SELECT * FROM meta").fetchall()
        conn.execute("UPDATE meta SET value = 'x' WHERE key = 'no such key'")
    time.sleep(0.3)
    assert version.current() == settled


def test_another_schema_is_not_invalidated(data: Path) -> None:
    gateway, keys = Store(data / "dealix.db", database_url=URL), Store(data / "api_keys.db", database_url=URL)
    version = _ready(gateway)
    before = version.current()
    _write(keys, "a")
    time.sleep(0.3)
    assert version.current() == before


_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tools.store import Store
    store = Store(Path(sys.argv[1]), database_url=sys.argv[2])
    for line in sys.stdin:
        with store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (line.strip(), "1"))
        print("done", flush=True)
""")


def test_a_write_in_another_process_reaches_this_processs_version_within_milliseconds(data: Path) -> None:
    store = Store(data / "dealix.db", database_url=URL)
    version = _ready(store)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(data / "dealix.db"), URL],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert child.stdin is not None and child.stdout is not None
    delays = []
    try:
        for n in range(20):
            before = version.current()
            child.stdin.write(f"k{n}\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "done"  # the child's COMMIT has returned
            seen = time.perf_counter()
            while version.current() == before:
                assert time.perf_counter() - seen < 2.0, "the other process's write never reached this one"
                time.sleep(0.0002)
            delays.append(time.perf_counter() - seen)
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    delays.sort()
    print(f"notification seen after the reply: median {delays[10] * 1e3:.2f} ms, max {delays[-1] * 1e3:.2f} ms")
    assert delays[10] < 0.05


def test_a_listener_that_lost_its_connection_caches_nothing_until_back_and_then_renumbers(data: Path) -> None:
    import psycopg

    from tools.pg_signal import ChangeSignal

    store = Store(data / "dealix.db", database_url=URL)
    schema = store._engine.schema  # type: ignore[union-attr]
    signal = ChangeSignal(URL, poll_seconds=0.2)  # a private listener: the process's own is left alone
    try:
        assert signal.wait_ready(10.0)
        before = signal.version(schema)
        with psycopg.connect(URL, autocommit=True) as admin:  # as a server restart would
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
                          " AND backend_start = (SELECT max(backend_start) FROM pg_stat_activity"
                          " WHERE application_name = %s)",
                          (f"dealix {os.getpid()} signal", f"dealix {os.getpid()} signal"))
        deadline = time.monotonic() + 10
        seen_none = False
        while time.monotonic() < deadline:
            now = signal.version(schema)
            seen_none = seen_none or now is None
            if seen_none and now is not None:
                break
            time.sleep(0.005)
        assert seen_none  # while it was down, nothing could be cached
        assert signal.version(schema) not in (None, before)  # back, and nothing cached before the gap matches
    finally:
        signal.stop()
