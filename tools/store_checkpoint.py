"""SQLite WAL checkpoints off the request path: one background thread per process.

By default SQLite checkpoints the WAL inside the commit that pushes it past 1,000 pages, so about
one commit in sixty pays 4-5 ms for copying pages back into the database file (and an fsync):
the gateway's full invoke had a p99 of 5.6 ms for that alone (``bench/results/gateway.md``).
A store opened with ``checkpoint="background"`` (the default for files) turns that off on its
connection and registers its file here; a daemon thread then runs a ``PASSIVE`` checkpoint of
every registered file every ``interval`` seconds on a connection of its own. ``PASSIVE`` never
waits for, nor blocks, readers and writers; what it cannot copy now it copies on a later tick.

Durability is unchanged: a commit is in the WAL (synchronous NORMAL: safe against a crash of the
process; FULL: also power loss) before ``commit()`` returns, whoever checkpoints it later.

If the thread ever stops (it should not: every error is caught and logged), a backstop keeps the
WAL bounded: the request connection's auto-checkpoint is not 0 but :data:`BACKSTOP_PAGES`, far
above what a tick lets accumulate, so it never fires while the thread runs.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("dealix.store")

BACKSTOP_PAGES = 10_000  # ~40 MB of WAL at 4 KiB pages; SQLite's default trigger is 1,000
DEFAULT_INTERVAL = 0.5


class WalCheckpointer:
    """Checkpoints the WAL of registered SQLite files from a daemon thread (started on first use)."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._work = threading.Lock()  # held by a pass; closing a connection waits for it
        self._users: dict[Path, int] = {}
        self._conns: dict[Path, sqlite3.Connection] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.ticks = 0

    def register(self, path: Path) -> None:
        """A store of ``path`` is open: checkpoint it until every store of it is closed."""
        path = path.resolve()
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's thread and connections are not ours
                self._thread, self._conns, self._pid = None, {}, os.getpid()
            self._users[path] = self._users.get(path, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="dealix-wal-checkpoint", daemon=True)
                self._thread.start()

    def unregister(self, path: Path) -> None:
        path = path.resolve()
        with self._lock:
            left = self._users.get(path, 0) - 1
            if left > 0:
                self._users[path] = left
                return
            self._users.pop(path, None)
        with self._work, self._lock:
            conn = self._conns.pop(path, None)
        if conn is not None:
            conn.close()

    def checkpoint_all(self) -> int:
        """One pass over every registered file now; the number of WAL frames copied back."""
        with self._work:
            with self._lock:
                paths = list(self._users)
            return sum(self._checkpoint(path) for path in paths)

    def _checkpoint(self, path: Path) -> int:
        try:
            conn = self._conns.get(path)
            if conn is None:
                # mode=rw: never create a file that was removed since it was registered.
                conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None,
                                       check_same_thread=False, timeout=0)
                with self._lock:
                    if path not in self._users:
                        conn.close()
                        return 0
                    self._conns[path] = conn
            busy, _log_frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:
            log.debug("wal checkpoint of %s skipped: %s", path.name, error)
            with self._lock:
                stale = self._conns.pop(path, None)
            if stale is not None:
                stale.close()
            return 0
        return int(copied) if not busy and copied > 0 else 0

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.checkpoint_all()
            except Exception:  # the thread must outlive any one bad file
                log.exception("wal checkpoint pass failed")
            self.ticks += 1


_checkpointer: WalCheckpointer | None = None
_checkpointer_lock = threading.Lock()
_inherited: list[WalCheckpointer] = []


_paused: WalCheckpointer | None = None


def _before_fork() -> None:
    """Wait for the pass in progress, and hold the next one until the fork is done.

    A child forked while the checkpointer's thread is inside SQLite inherits SQLite's own mutexes
    held, with no thread to release them: its first ``sqlite3.connect`` then waits forever (seen
    as a hung worker in a full tests/gateway run, on main too)."""
    global _paused
    checkpointer = _checkpointer
    if checkpointer is not None and checkpointer._pid == os.getpid():
        checkpointer._work.acquire()
        _paused = checkpointer


def _after_fork_in_parent() -> None:
    global _paused
    if _paused is not None:
        _paused._work.release()
        _paused = None


def _after_fork_in_child() -> None:
    """A forked child starts with a checkpointer of its own.

    The parent's locks were held across the fork (above), so in the child they stay held for good;
    its connections are the parent's and are kept, not closed, in the child."""
    global _checkpointer, _checkpointer_lock, _paused
    if _checkpointer is not None:
        _inherited.append(_checkpointer)
    _checkpointer, _checkpointer_lock, _paused = None, threading.Lock(), None


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


def wal_checkpointer() -> WalCheckpointer:
    """The process's checkpointer (built on first use, never at import)."""
    global _checkpointer
    with _checkpointer_lock:
        if _checkpointer is None:
            _checkpointer = WalCheckpointer()
        return _checkpointer
