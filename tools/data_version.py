"""A cheap "has anything changed?" signal for a store, for caches in front of it.

``PRAGMA data_version`` on a connection changes whenever *another* connection commits to the
database — another thread's connection in this process or another process (the CLI, a second
API worker). A probe therefore keeps a private connection that never writes, so every commit to
the file, including this process's own, moves its number. One probe costs a few microseconds and
takes no database lock.

A cache built from the database reads the version *before* it reads the data and keeps what it
built only while the version is still that number; a write that lands while it reads (its own
included) makes the next reader rebuild. :meth:`DataVersion.current` returns None when it cannot
tell (an in-memory database, a probe that failed, a PostgreSQL listener not connected): the
caller must then not cache.

A PostgreSQL store has no ``data_version``; its version comes from the store's change signal
(:mod:`tools.pg_signal`: a NOTIFY sent by every write transaction that changed a row, counted in
memory by one listener per process), handed in as ``probe``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path


class DataVersion:
    def __init__(self, path: Path | str | None, *, probe: Callable[[], int | None] | None = None) -> None:
        self._path = None if path is None or str(path) in ("", ":memory:") else Path(path)
        self._probe = probe
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, database: object) -> DataVersion:
        """The probe of a store: its PostgreSQL change signal (``version_probe()``), else its SQLite file
        (``.path``); one that answers None for anything else."""
        path = getattr(database, "path", None)
        backend = getattr(database, "backend", "sqlite")
        if backend == "postgres":
            version_probe = getattr(database, "version_probe", None)
            probe = version_probe() if callable(version_probe) else None
            version = cls(None, probe=probe)
            version.current()  # starts the listener now, so it is usually connected by the first request
            return version
        return cls(path if backend == "sqlite" and isinstance(path, Path | str) else None)

    def current(self) -> int | None:
        if self._probe is not None:
            return self._probe()
        if self._path is None:
            return None
        with self._lock:
            try:
                if self._conn is None:
                    if not self._path.exists():
                        return None
                    self._conn = sqlite3.connect(str(self._path), isolation_level=None, check_same_thread=False)
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
