"""A cheap "has anything changed?" signal for a SQLite file, for caches in front of it.

``PRAGMA data_version`` on a connection changes whenever *another* connection commits to the
database — another thread's connection in this process or another process (the CLI, a second
API worker). A probe therefore keeps a private connection that never writes, so every commit to
the file, including this process's own, moves its number. One probe costs a few microseconds and
takes no database lock.

A cache built from the database reads the version *before* it reads the data and keeps what it
built only while the version is still that number; a write that lands while it reads (its own
included) makes the next reader rebuild. :meth:`DataVersion.current` returns None when it cannot
tell (an in-memory database, a PostgreSQL store, a probe that failed): the
caller must then not cache.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class DataVersion:
    def __init__(self, path: Path | str | None) -> None:
        self._path = None if path is None or str(path) in ("", ":memory:") else Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, database: object) -> DataVersion:
        """The probe of a store's SQLite file (its ``.path``); one that answers None for a PostgreSQL store
        (``backend == "postgres"``: there is no file, and no ``data_version``) or anything else."""
        path = getattr(database, "path", None)
        sqlite = getattr(database, "backend", "sqlite") == "sqlite"
        return cls(path if sqlite and isinstance(path, Path | str) else None)

    def current(self) -> int | None:
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
