"""SQLite WAL checkpoints run off the committing call (issue 19: a full no-op invoke had a p99 of 5.6 ms,
the checkpoint inside the one commit in sixty that crossed 1,000 pages)."""

from __future__ import annotations

import time
from pathlib import Path

from tools.store import Store
from tools.store_checkpoint import BACKSTOP_PAGES, WalCheckpointer, wal_checkpointer


def _fill(store: Store, rows: int) -> None:
    for i in range(rows):
        with store.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"k{i}", "x" * 3000))


def test_commits_never_checkpoint_inline_and_the_background_thread_does(tmp_path: Path) -> None:
    store = Store(tmp_path / "dealix.db")
    with store.read() as conn:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    checkpointer = wal_checkpointer()
    ticks = checkpointer.ticks
    deadline = time.monotonic() + 30
    while checkpointer.ticks < ticks + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpointer.ticks >= ticks + 2  # the thread runs on its own
    store.close()


def test_the_wal_grows_past_sqlites_threshold_until_the_checkpointer_copies_it_back(tmp_path: Path) -> None:
    path = tmp_path / "dealix.db"
    store = Store(path)
    mine = WalCheckpointer(interval=3600)  # a private one that only runs when asked
    wal_checkpointer().unregister(path)  # keep the process's thread off this file for the test
    mine.register(path)
    _fill(store, 1500)  # ~1,500 pages of WAL: SQLite alone would have checkpointed inside a commit
    assert mine.checkpoint_all() > 1000
    mine.unregister(path)
    store.close()


def test_inline_keeps_sqlites_own_checkpoint(tmp_path: Path) -> None:
    store = Store(tmp_path / "dealix.db", checkpoint="inline")
    with store.read() as conn:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.close()


def test_a_removed_file_is_never_recreated_by_the_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    mine = WalCheckpointer(interval=3600)
    mine.register(path)
    assert mine.checkpoint_all() == 0
    assert not path.exists()
    mine.unregister(path)
