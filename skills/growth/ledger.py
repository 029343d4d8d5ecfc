"""What the ledger says about one tenant in one window: the facts every score is computed from.

Read-only. Two sources, both written by the gateway in the transaction of the decision they prove:

- revenue work units (``tools.rwu.list_rwus``): counts by type, estimated SAR value, and whether each
  unit's audit event is in the tenant's audit log;
- audit events (``AuditLog.events``): decisions and their modes, approvals, executions and refusals.

An internal action may leave both a decision event and a unit (a proof pack, a partner suggestion);
where a score counts "how many", the two are joined on the audit event id so nothing counts twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tools.audit import AuditLog
from tools.gateway import Gateway
from tools.models import AuditEvent, Mode, RevenueWorkUnit, RWUType
from tools.rwu import list_rwus

_PAGE = 2000
OBJECTION_KEYS = ("objection", "objection_class", "objection_label")


@dataclass
class LedgerFacts:
    """Counts of the window ``[start, end)``; every score reads only these (built by :func:`collect`)."""

    start: datetime
    end: datetime
    chain_ok: bool
    units: Counter[str] = field(default_factory=Counter)
    unit_events: dict[str, set[str]] = field(default_factory=dict)  # unit type -> audit event ids
    value_sar: float = 0.0
    valued_units: int = 0  # opportunity / invoice-draft units that carry a SAR estimate
    linked_units: int = 0
    decisions: int = 0
    blocked: int = 0
    allowed_by_action: dict[str, set[str]] = field(default_factory=dict)  # action -> decision event ids
    kinds: Counter[str] = field(default_factory=Counter)
    executed_by_skill: Counter[str] = field(default_factory=Counter)
    tickets_worked: int = 0
    experiments: Counter[str] = field(default_factory=Counter)  # growth.experiment event -> count
    objections: Counter[str] = field(default_factory=Counter)

    @property
    def total_units(self) -> int:
        return sum(self.units.values())

    def count(self, unit: RWUType, action: str | None = None) -> int:
        """Units of a type, plus allowed decisions on ``action`` whose audit event left no such unit."""
        total = self.units[unit.value]
        if action is not None:
            total += len(self.allowed_by_action.get(action, set()) - self.unit_events.get(unit.value, set()))
        return total


def window_events(audit: AuditLog, tenant: str, start: datetime, end: datetime) -> Iterator[AuditEvent]:
    after = 0
    while True:
        page = audit.events(tenant=tenant, after_seq=after, limit=_PAGE)
        for event in page:
            if start <= event.ts < end:
                yield event
        if len(page) < _PAGE:
            return
        after = page[-1].seq


def collect(gateway: Gateway, tenant: str, start: datetime, end: datetime) -> LedgerFacts:
    units = list_rwus(gateway.store, tenant=tenant, since=start, until=end, limit=None)
    events = list(window_events(gateway.audit, tenant, start, end))
    facts = LedgerFacts(start=start, end=end, chain_ok=gateway.audit.verify().ok)
    _add_units(facts, units, {e.event_id for e in events})
    _add_events(facts, events)
    return facts


def _add_units(facts: LedgerFacts, units: list[RevenueWorkUnit], event_ids: set[str]) -> None:
    value = 0.0
    valued = linked = 0
    for unit in units:
        facts.units[unit.type.value] += 1
        facts.unit_events.setdefault(unit.type.value, set()).add(unit.audit_event)
        if unit.type in (RWUType.opportunity_created, RWUType.payment_link_drafted) and unit.value_sar is not None:
            value += unit.value_sar
            valued += 1
        linked += unit.audit_event in event_ids
    facts.value_sar = value
    facts.valued_units = valued
    facts.linked_units = linked


def _add_events(facts: LedgerFacts, events: list[AuditEvent]) -> None:
    skill_of_digest: dict[str, str] = {}
    tickets: set[str] = set()
    decisions = blocked = 0
    for event in events:
        facts.kinds[event.kind] += 1
        payload = event.payload
        if event.kind == "decision":
            decisions += 1
            mode = payload.get("mode")
            if mode == Mode.blocked.value:
                blocked += 1
                continue
            action = event.action or ""
            facts.allowed_by_action.setdefault(action, set()).add(event.event_id)
            if isinstance(payload.get("digest"), str) and isinstance(payload.get("skill"), str):
                skill_of_digest[payload["digest"]] = payload["skill"]
            raw_args = payload.get("args")
            args: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
            _note_domain(facts, action, args, event, tickets)
        elif event.kind == "executed":
            facts.executed_by_skill[skill_of_digest.get(str(payload.get("digest")), "")] += 1
    facts.decisions = decisions
    facts.blocked = blocked
    facts.tickets_worked = len(tickets)


def _note_domain(facts: LedgerFacts, action: str, args: dict[str, Any], event: AuditEvent, tickets: set[str]) -> None:
    if action.startswith("support.ticket"):
        ticket = args.get("ticket_id")
        tickets.add(str(ticket) if ticket else event.event_id)
    elif action == "growth.experiment" and isinstance(args.get("event"), str):
        facts.experiments[args["event"]] += 1
    if event.payload.get("skill") == "negotiation_coach":
        for key in OBJECTION_KEYS:
            if isinstance(args.get(key), str):
                facts.objections[args[key]] += 1
                break


__all__ = ["LedgerFacts", "collect", "window_events"]
