"""Persisted fixed-window rate limits per tenant, action and channel.

Counters live in the store, so a restart or a second worker sees the same counts.
"""

from __future__ import annotations

from datetime import datetime

from tools.store import Conn


def _window(now: datetime, per_seconds: int) -> int:
    epoch = int(now.timestamp())
    return epoch - epoch % per_seconds


class RateLimiter:
    def count(self, conn: Conn, *, tenant: str, action: str, channel: str,
              now: datetime, per_seconds: int) -> int:
        row = conn.execute(
            "SELECT count FROM rate_counters WHERE tenant = ? AND action = ? AND channel = ? AND window_start = ?",
            (tenant, action, channel, _window(now, per_seconds)),
        ).fetchone()
        return int(row[0]) if row else 0

    def hit(self, conn: Conn, *, tenant: str, action: str, channel: str,
            now: datetime, per_seconds: int) -> None:
        window = _window(now, per_seconds)
        conn.execute(
            "INSERT INTO rate_counters (tenant, action, channel, window_start, count) VALUES (?,?,?,?,1)"
            " ON CONFLICT(tenant, action, channel, window_start) DO UPDATE SET count = rate_counters.count + 1",
            (tenant, action, channel, window),
        )
        # Old windows are worthless; drop them now and then rather than letting the table grow.
        if window % (per_seconds * 64) == 0:
            conn.execute("DELETE FROM rate_counters WHERE window_start < ?", (window - per_seconds * 64,))
