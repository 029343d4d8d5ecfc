"""Revenue work units: each one names the audit event that proves it.

Where each type comes from (all through the gateway, in the transaction of their audit event):

    approval_collected .................. Gateway.resolve / an approving edit
    risk_blocked, contact_blocked ....... a blocked decision or a refusal at execution (policy verdict)
    draft_created, meeting_drafted,
    payment_link_drafted, followup_created  an executed connector (the action's ``proof_impact``)
    target_ranked, partner_suggested,
    proof_generated, deal_risk_detected,
    support_ticket_resolved ............. an internal suggest-only action invoked through the gateway
    opportunity_created ................. one per target named by a ``targeting.rank`` call

A unit's id is derived from (audit event, type, ref), so recording the same fact twice is a no-op
and the same history always yields the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from tools.canonical import sha256_hex
from tools.models import RevenueWorkUnit, RWUType
from tools.store import Conn, Store

# Internal actions whose arguments name further units: action -> (argument listing refs, unit type).
# The refs are whatever the caller ranked or selected; the count is capped so that a skill cannot
# inflate the proof ledger with one call.
FAN_OUT: Mapping[str, tuple[str, RWUType]] = {
    "targeting.rank": ("targets", RWUType.opportunity_created),
}
MAX_FAN_OUT = 200


def rwu_id_for(audit_event: str, type: RWUType, ref: str | None) -> str:
    return "rwu_" + sha256_hex(f"{audit_event}|{type.value}|{ref or ''}")[:20]


def record_rwu(conn: Conn, *, tenant: str, type: RWUType, audit_event: str, ts: datetime,
               ref: str | None = None, value_sar: float | None = None) -> RevenueWorkUnit:
    unit = RevenueWorkUnit(rwu_id=rwu_id_for(audit_event, type, ref), tenant=tenant, type=type,
                           audit_event=audit_event, ts=ts, ref=ref, value_sar=value_sar)
    conn.execute(
        "INSERT OR IGNORE INTO revenue_work_units (rwu_id, tenant, type, audit_event, ts, ref, value_sar)"
        " VALUES (?,?,?,?,?,?,?)",
        (unit.rwu_id, tenant, type.value, audit_event, ts.isoformat(), ref, value_sar),
    )
    return unit


def record_internal_rwus(conn: Conn, *, tenant: str, action: str, type: RWUType | None,
                         args: Mapping[str, Any], audit_event: str, ts: datetime,
                         ref: str | None) -> list[RevenueWorkUnit]:
    """The units of an internal action: its own (``type``), plus one per ref it names (``FAN_OUT``)."""
    units = []
    if type is not None:
        units.append(record_rwu(conn, tenant=tenant, type=type, audit_event=audit_event, ts=ts, ref=ref))
    fan_out = FAN_OUT.get(action)
    if fan_out is not None:
        key, unit_type = fan_out
        for target in _refs(args.get(key)):
            units.append(record_rwu(conn, tenant=tenant, type=unit_type, audit_event=audit_event, ts=ts,
                                    ref=target))
    return units


def _refs(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    seen: dict[str, None] = {}
    for item in value:
        if isinstance(item, str) and item.strip() and len(item) <= 200:
            seen.setdefault(item, None)
        if len(seen) >= MAX_FAN_OUT:
            break
    return list(seen)


def list_rwus(store: Store, *, tenant: str, limit: int | None = 500, since: datetime | None = None,
              until: datetime | None = None, types: Iterable[RWUType] | None = None) -> list[RevenueWorkUnit]:
    """A tenant's units, oldest first; ``since`` inclusive and ``until`` exclusive (aware datetimes)."""
    query = "SELECT * FROM revenue_work_units WHERE tenant = ?"
    params: list[Any] = [tenant]
    # Timestamps are ISO text that may carry different offsets: narrow in SQL with a day of slack,
    # then compare exactly in Python.
    if since is not None:
        query += " AND ts >= ?"
        params.append((since - timedelta(days=1)).isoformat()[:10])
    if until is not None:
        query += " AND ts < ?"
        params.append((until + timedelta(days=2)).isoformat()[:10])
    wanted = {t.value for t in types} if types is not None else None
    query += " ORDER BY ts, rwu_id"
    with store.read() as conn:
        rows = conn.execute(query, params).fetchall()
    units = []
    for r in rows:
        if wanted is not None and r["type"] not in wanted:
            continue
        unit = RevenueWorkUnit(rwu_id=r["rwu_id"], tenant=r["tenant"], type=RWUType(r["type"]),
                               audit_event=r["audit_event"], ts=datetime.fromisoformat(r["ts"]), ref=r["ref"],
                               value_sar=r["value_sar"])
        if (since is not None and unit.ts < since) or (until is not None and unit.ts >= until):
            continue
        units.append(unit)
    units.sort(key=lambda u: (u.ts, u.rwu_id))
    return units if limit is None else units[:limit]
