"""Read-only queries over the proof ledger: revenue work units joined to the audit events that
prove them, and the execution ledger rows they refer to. Always scoped to one tenant.

There is one ledger: the gateway's store (``revenue_work_units``, ``audit_events``,
``side_effects``). Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from skills.proof.catalog import load_texts
from skills.proof.period import Period
from tools.models import AuditEvent, RevenueWorkUnit, RWUType
from tools.rwu import list_rwus
from tools.store import Row, Store

_CHUNK = 500


class LedgerEntry(BaseModel):
    """One revenue work unit with what its audit event says about it."""

    model_config = ConfigDict(frozen=True)

    rwu_id: str
    type: RWUType
    label_ar: str
    ts: datetime
    ref: str | None
    value_sar: float | None
    audit_event: str
    linked: bool = Field(description="True when the audit event exists for the same tenant.")
    event_kind: str | None = None
    action: str | None = None
    actor: str | None = None
    reason_code: str | None = None
    contact_id: str | None = None


def row_to_event(row: Row) -> AuditEvent:
    return AuditEvent(seq=row["seq"], event_id=row["event_id"], ts=datetime.fromisoformat(row["ts"]),
                      tenant=row["tenant"], kind=row["kind"], actor=row["actor"], action=row["action"],
                      payload=json.loads(row["payload"]), prev_hash=row["prev_hash"], hash=row["hash"])


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def iso_window(since: datetime, until: datetime) -> tuple[str, str]:
    """ISO text bounds with a day of slack: stored timestamps may carry different offsets."""
    return (since - timedelta(days=1)).isoformat()[:10], (until + timedelta(days=2)).isoformat()[:10]


class ProofLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    def units(self, tenant: str, period: Period | None = None, *, types: Iterable[RWUType] | None = None,
              limit: int | None = None) -> list[RevenueWorkUnit]:
        since, until = period.bounds() if period is not None else (None, None)
        return list_rwus(self.store, tenant=tenant, limit=limit, since=since, until=until, types=types)

    def events_by_id(self, tenant: str, event_ids: Iterable[str]) -> dict[str, AuditEvent]:
        wanted = sorted(set(event_ids))
        found: dict[str, AuditEvent] = {}
        with self.store.read() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT * FROM audit_events WHERE tenant = ? AND event_id IN ({marks})",  # noqa: S608
                                    [tenant, *chunk]).fetchall()
                found.update((r["event_id"], row_to_event(r)) for r in rows)
        return found

    def events_in(self, tenant: str, period: Period) -> list[AuditEvent]:
        """Every audit event of the tenant in the period, in chain order."""
        since, until = period.bounds()
        low, high = iso_window(since, until)
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM audit_events WHERE tenant = ? AND ts >= ? AND ts < ? ORDER BY seq",
                                (tenant, low, high)).fetchall()
        return [e for e in map(row_to_event, rows) if since <= e.ts < until]

    def count_events(self, tenant: str, period: Period) -> int:
        since, until = period.bounds()
        low, high = iso_window(since, until)
        with self.store.read() as conn:
            stamps = conn.execute("SELECT ts FROM audit_events WHERE tenant = ? AND ts >= ? AND ts < ?",
                                  (tenant, low, high)).fetchall()
        return sum(1 for (ts,) in stamps if since <= datetime.fromisoformat(ts) < until)

    def execution_results(self, tenant: str, ledger_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``side_effects.result`` of finished executions, by ledger id."""
        wanted = sorted(set(ledger_ids))
        results: dict[str, dict[str, Any]] = {}
        with self.store.read() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT ledger_id, result FROM side_effects WHERE tenant = ? AND status = 'done'"  # noqa: S608
                    f" AND ledger_id IN ({marks})", [tenant, *chunk]).fetchall()
                for row in rows:
                    results[row["ledger_id"]] = json.loads(row["result"]) if row["result"] else {}
        return results

    def entries(self, tenant: str, period: Period | None = None, *, types: Iterable[RWUType] | None = None,
                limit: int | None = None) -> list[LedgerEntry]:
        """Units joined to their audit events, oldest first."""
        units = self.units(tenant, period, types=types, limit=limit)
        events = self.events_by_id(tenant, (u.audit_event for u in units))
        return [entry_for(u, events.get(u.audit_event)) for u in units]


def entry_for(unit: RevenueWorkUnit, event: AuditEvent | None) -> LedgerEntry:
    texts = load_texts()
    payload = event.payload if event is not None else {}
    contact = payload.get("contact_id")
    return LedgerEntry(
        rwu_id=unit.rwu_id, type=unit.type, label_ar=texts.rwu[unit.type].ar, ts=unit.ts, ref=unit.ref,
        value_sar=unit.value_sar, audit_event=unit.audit_event, linked=event is not None,
        event_kind=event.kind if event else None, action=event.action if event else None,
        actor=event.actor if event else None,
        reason_code=payload.get("reason_code") if isinstance(payload.get("reason_code"), str) else None,
        contact_id=contact if isinstance(contact, str) else None,
    )
