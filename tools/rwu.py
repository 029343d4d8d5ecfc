"""Revenue work units: each one names the audit event that proves it."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime

from tools.models import RevenueWorkUnit, RWUType
from tools.store import Store


def record_rwu(conn: sqlite3.Connection, *, tenant: str, type: RWUType, audit_event: str, ts: datetime,
               ref: str | None = None, value_sar: float | None = None) -> RevenueWorkUnit:
    unit = RevenueWorkUnit(rwu_id=f"rwu_{uuid.uuid4().hex[:20]}", tenant=tenant, type=type,
                           audit_event=audit_event, ts=ts, ref=ref, value_sar=value_sar)
    conn.execute(
        "INSERT INTO revenue_work_units (rwu_id, tenant, type, audit_event, ts, ref, value_sar)"
        " VALUES (?,?,?,?,?,?,?)",
        (unit.rwu_id, tenant, type.value, audit_event, ts.isoformat(), ref, value_sar),
    )
    return unit


def list_rwus(store: Store, *, tenant: str, limit: int = 500) -> list[RevenueWorkUnit]:
    with store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM revenue_work_units WHERE tenant = ? ORDER BY ts, rwu_id LIMIT ?", (tenant, limit)
        ).fetchall()
    return [
        RevenueWorkUnit(rwu_id=r["rwu_id"], tenant=r["tenant"], type=RWUType(r["type"]),
                        audit_event=r["audit_event"], ts=datetime.fromisoformat(r["ts"]), ref=r["ref"],
                        value_sar=r["value_sar"])
        for r in rows
    ]
