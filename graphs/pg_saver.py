"""The PostgreSQL checkpointer of a data dir, shared by the threads of a process.

Every request that answers an approval (and every graph run) opens the checkpointer. Opening the
PostgreSQL one meant a new connection, a session advisory lock and LangGraph's ``setup()`` each
time: under 200 clients racing approvals on two workers that was up to 80 connections at once
beside the stores', and the server (``max_connections`` 100, shared) refused the rest with «too
many clients»: 500s in the load bench's race on PostgreSQL. Now a process keeps one connection and
one ``PostgresSaver`` per data dir (and key), set up once: ``PostgresSaver`` serialises its use of
the connection with its own lock, and resumes of one thread are serialised anyway. A broken
connection (a server restart) is replaced at the next open; data dirs no one uses are closed beyond
the few most recent, so a test run over many data dirs does not keep a connection for each.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol

from tools.settings import Settings

KEEP_IDLE = 4  # savers kept open with no user, most recently used first


@dataclass
class _Shared:
    conn: Any
    saver: Any
    users: int = 0


_lock = threading.Lock()
_shared: OrderedDict[tuple[int, str, str, str], _Shared] = OrderedDict()


def _healthy(entry: _Shared) -> bool:
    return not (entry.conn.closed or entry.conn.broken)


def _open(settings: Settings, serde: SerializerProtocol) -> _Shared:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    from tools.pgdb import claim_schema

    assert settings.database_url is not None
    conn = Connection.connect(settings.database_url, autocommit=True, prepare_threshold=0, row_factory=dict_row,
                              application_name=f"dealix {os.getpid()} checkpoints")
    try:
        saver = PostgresSaver(conn, serde=serde)
        # The data dir's own schema (as checkpoints.db would be its own file), set up by one process at a time.
        with claim_schema(conn, settings.data_dir / "checkpoints.db"):
            saver.setup()
    except BaseException:
        conn.close()
        raise
    return _Shared(conn, saver)


@contextmanager
def shared_postgres_saver(settings: Settings, serde: SerializerProtocol, secret: bytes) -> Iterator[Any]:
    """This process's ``PostgresSaver`` of ``settings``' data dir, for the duration of the block."""
    key = (os.getpid(), settings.database_url or "", str(settings.data_dir.resolve()),
           hashlib.sha256(secret).hexdigest())
    with _lock:  # opened under the lock: forty request threads arriving at once open one connection, not forty
        entry = _shared.get(key)
        if entry is None or not _healthy(entry):
            if entry is not None:
                _shared.pop(key)  # broken: closed now if idle, else by its last user
                if entry.users == 0:
                    entry.conn.close()
            entry = _shared[key] = _open(settings, serde)
        entry.users += 1
        _shared.move_to_end(key)
    try:
        yield entry.saver
    finally:
        with _lock:
            entry.users -= 1
            if entry.users == 0 and _shared.get(key) is not entry:
                entry.conn.close()  # replaced while in use
            idle = [k for k, e in _shared.items() if e.users == 0]
            for stale in idle[:max(0, len(idle) - KEEP_IDLE)]:
                _shared.pop(stale).conn.close()
