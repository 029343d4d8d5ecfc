"""PostgreSQL's "has anything changed?" signal: the twin of SQLite's ``data_version`` for the caches.

Every write transaction of a PostgreSQL store (:class:`tools.pgdb.PostgresDatabase`) that changed
a row sends ``NOTIFY dealix_changes, '<schema>'`` from inside the transaction, so PostgreSQL
delivers it when, and only when, the transaction commits. Each process keeps one listener per
database URL: a daemon thread on its own connection that turns each notification into a new
version number of that schema, in memory. A cache asks :meth:`ChangeSignal.version`, a dict read:
no round trip on the request path (the card feed answers on the event loop).

    writer (any process) ─ BEGIN; lock; writes; pg_notify ─ COMMIT ─▶ delivered to every listener
    this process's writer ─ COMMIT ─▶ bumps its own version at once (before the reply), and
                                      ignores its own notification when it arrives

Why not a version row read per request: it is exact, but it is a round trip per cache probe —
two per feed request (the key store and the gateway store) — made on the event loop, and the
database shares the machine's cores; that round trip is what left PostgreSQL's feed uncached.
The price of NOTIFY is the delivery delay: a write committed by *another* process is seen after
its notification arrives (measured in ``docs/scaling.md``: well under a millisecond here), not at
the instant of its COMMIT. A write by this process, through any store object, is seen at once.

When the listener is not connected (starting, or its connection lost) it cannot know what it
missed: :meth:`version` answers None, the caller caches nothing, and on reconnecting every
schema gets a new number, so nothing cached before the gap is served after it.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading

from tools.per_process import PerProcess

CHANNEL = "dealix_changes"
_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)

log = logging.getLogger("dealix.store.signal")


class ChangeSignal:
    """The change versions of every schema of one PostgreSQL database, as seen by this process."""

    def __init__(self, url: str, *, poll_seconds: float = 1.0) -> None:
        self.url = url
        self._poll = poll_seconds
        self._numbers = itertools.count(1)
        self._base = 0
        self._versions: dict[str, int] = {}
        self._own: set[int] = set()  # backend pids of this process's writer connections
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- what the caches call ------------------------------------------------------------------------------------

    def version(self, schema: str) -> int | None:
        """The schema's version now, or None while the listener is not connected (then nothing may be cached)."""
        if not self._ready.is_set():
            self.start()
            return None
        with self._lock:
            return self._versions.get(schema, self._base)

    def wait_ready(self, timeout: float = 5.0) -> bool:
        self.start()
        return self._ready.wait(timeout)

    # ---- what the writers call -----------------------------------------------------------------------------------

    def committed(self, schema: str) -> None:
        """This process committed a change to ``schema``: move its version now, not when the notification arrives."""
        with self._lock:
            self._versions[schema] = next(self._numbers)

    def own_connection(self, pid: int, *, mine: bool = True) -> None:
        """Name (or forget) a backend pid of this process's writers, whose notifications were already counted."""
        with self._lock:
            (self._own.add if mine else self._own.discard)(pid)

    # ---- the listener --------------------------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="dealix-pg-signal", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=self._poll + 5.0)

    def _listen(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True,
                                     application_name=f"dealix {os.getpid()} signal") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    with self._lock:  # whatever was cached before this connection listened is stale now
                        self._versions.clear()
                        self._base = next(self._numbers)
                    self._ready.set()
                    failures = 0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll):
                            self._heard(note.payload, note.pid)
            except Exception as error:  # the server restarted, the network dropped: reconnect
                log.warning("change signal lost its connection (%s); caches are off until it is back",
                            type(error).__name__)
            finally:
                self._ready.clear()
            self._stop.wait(_RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)])
            failures += 1

    def _heard(self, schema: str, pid: int) -> None:
        with self._lock:
            if pid not in self._own:
                self._versions[schema] = next(self._numbers)


_signals: PerProcess[ChangeSignal] = PerProcess(ChangeSignal)


def change_signal(url: str) -> ChangeSignal:
    """This process's signal of the database at ``url`` (one listener per process and URL, also after a fork)."""
    return _signals.get(url)


def notify_sql() -> str:
    """The statement a write transaction ends with: a notification only if the transaction changed a row
    (an xid is assigned at the first change; a transaction that only read or locked sends nothing)."""
    return f"SELECT pg_notify('{CHANNEL}', %s) WHERE pg_current_xact_id_if_assigned() IS NOT NULL"
