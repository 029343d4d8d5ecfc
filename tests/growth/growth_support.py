"""Helpers of the growth tests: fixed Riyadh times, a ledger seeder, outcome builders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from skills.growth.models import OutcomeRecord
from tools.gateway import Gateway
from tools.models import AuditEvent, RWUType
from tools.rwu import record_rwu
from tools.saudi_time import RIYADH

TENANT = "acme"
OTHER = "rival"
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=RIYADH)  # Monday of the week Sunday 15 - Saturday 21 Nov 2026
WEEK_START = datetime(2026, 11, 15, 0, 0, tzinfo=RIYADH)
WEEK_END = WEEK_START + timedelta(days=7)


class MovableClock:
    """A fixed clock a test can move forward (the gateway and the plan share it)."""

    def __init__(self, now: datetime = MONDAY_10) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Seeder:
    """Appends audit events (and the units they prove) exactly as the gateway stores them: chain intact."""

    def __init__(self, gateway: Gateway, tenant: str = TENANT, at: datetime = MONDAY_10) -> None:
        self.gateway, self.tenant, self.at = gateway, tenant, at
        self._n = 0

    def event(self, kind: str, action: str | None = None, *, units: Iterable[tuple[RWUType, str | None, float | None]]
              = (), at: datetime | None = None, **payload: Any) -> AuditEvent:
        self._n += 1
        when = at or self.at
        with self.gateway.store.transaction() as conn:
            event = self.gateway.audit.append(conn, tenant=self.tenant, kind=kind, actor="seed", action=action,
                                              payload=payload, ts=when)
            for unit_type, ref, value in units:
                record_rwu(conn, tenant=self.tenant, type=unit_type, audit_event=event.event_id, ts=when, ref=ref,
                           value_sar=value)
        return event

    def decision(self, action: str, mode: str = "suggest_only", *, skill: str = "seed_skill",
                 args: dict[str, Any] | None = None, digest: str | None = None,
                 units: Iterable[tuple[RWUType, str | None, float | None]] = (), at: datetime | None = None
                 ) -> AuditEvent:
        self._n += 1
        return self.event("decision", action, units=units, at=at, skill=skill, mode=mode, args=args or {},
                          digest=digest or f"d{self._n}")


def outcome(lead: str, event: str, *, segment: str | None = None, channel: str | None = None,
            message: str | None = None, objection: str | None = None, at: datetime = MONDAY_10) -> OutcomeRecord:
    return OutcomeRecord.model_validate({"lead_id": lead, "occurred_at": at, "event": event, "segment": segment,
                                         "channel": channel, "message_id": message, "objection": objection})
