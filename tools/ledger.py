"""Side-effect ledger: an action executes at most once per (thread, tool call, argument digest).

A row is written as ``started`` in the same transaction that consumes the approval, and becomes
``done`` (with what was delivered) or ``failed`` after the connector returns. A retry or a resumed
graph that reaches the same key gets the recorded result back instead of a second execution. A
``started`` row with no result means the process died mid-execution: idempotent connectors (the
outbox ones) are re-run under the same ledger id, which yields the same single file; others are
reported ``in_doubt`` for a person to reconcile.

A worker that starts (or re-runs) a row holds a short lease on it. While the lease runs, a second
attempt at the same key (a double click, two API workers, two processes) is told ``in_progress``
and runs nothing; a process that dies holding the lease (kill -9) leaves it to expire, after which
the row is recovered as above. A worker that fails in a way it can still see releases the lease.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tools.canonical import canonical_json, sha256_hex
from tools.store import Conn, Row

# Longer than any connector takes (they write a file or draft); short enough to recover a crash soon.
LEASE = timedelta(seconds=120)


def effect_key(thread_id: str, tool_call_id: str, digest: str) -> str:
    return sha256_hex(f"{thread_id}|{tool_call_id}|{digest}")


def _new_ledger_id() -> str:
    return f"L{uuid.uuid4().hex[:16]}"


class SideEffectLedger:
    def __init__(self, *, id_factory: Callable[[], str] = _new_ledger_id) -> None:
        self._new_id = id_factory

    def lookup(self, conn: Conn, key: str) -> Row | None:
        row: Row | None = conn.execute(
            "SELECT * FROM side_effects WHERE effect_key = ?", (key,)
        ).fetchone()
        return row

    def begin(self, conn: Conn, *, key: str, tenant: str, action: str,
              contact_id: str | None, channel: str | None, approval_id: str | None, now: datetime) -> str:
        ledger_id = self._new_id()
        conn.execute(
            "INSERT INTO side_effects (effect_key, ledger_id, tenant, action, contact_id, channel, approval_id,"
            " status, started_at, lease_until) VALUES (?,?,?,?,?,?,?,'started',?,?)",
            (key, ledger_id, tenant, action, contact_id, channel, approval_id, now.isoformat(),
             (now + LEASE).isoformat()),
        )
        return ledger_id

    @staticmethod
    def leased(row: Row, now: datetime) -> bool:
        """True while another worker may still be running this started row."""
        return row["status"] == "started" and row["lease_until"] is not None and \
            datetime.fromisoformat(row["lease_until"]) > now

    @staticmethod
    def claim(conn: Conn, ledger_id: str, now: datetime) -> None:
        conn.execute("UPDATE side_effects SET status = 'started', lease_until = ? WHERE ledger_id = ?",
                     ((now + LEASE).isoformat(), ledger_id))

    @staticmethod
    def release(conn: Conn, ledger_id: str) -> None:
        conn.execute("UPDATE side_effects SET lease_until = NULL WHERE ledger_id = ?", (ledger_id,))

    def finish(self, conn: Conn, ledger_id: str, *, ok: bool, result: dict[str, Any],
               now: datetime) -> None:
        conn.execute(
            "UPDATE side_effects SET status = ?, result = ?, finished_at = ?, lease_until = NULL WHERE ledger_id = ?",
            ("done" if ok else "failed", canonical_json(result), now.isoformat(), ledger_id),
        )

    def sends_since(self, conn: Conn, *, tenant: str, contact_id: str, channel: str,
                    since: datetime) -> int:
        row = conn.execute(
            "SELECT COUNT(*) FROM side_effects WHERE tenant = ? AND contact_id = ? AND channel = ?"
            " AND status IN ('started', 'done') AND started_at >= ?",
            (tenant, contact_id, channel, since.isoformat()),
        ).fetchone()
        return int(row[0])


def result_of(row: Row) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row["result"]) if row["result"] else {}
    return loaded
