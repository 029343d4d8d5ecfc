"""Support for the governed tool layer tests: a fixed clock, a gateway over a temp store, and
connectors that record every call so a test can prove what did (not) reach them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tools.connectors.base import Connector, ConnectorContext, Delivery, write_outbox
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Caller, Channel, Role, ToolCall
from tools.policy import load_policy
from tools.store import Store

# Sunday 22 November 2026, 11:00 in Riyadh: inside business hours.
SUNDAY_11_RIYADH = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
KEY = b"test-key-" + b"x" * 23


class MutableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class RecordingConnector(Connector):
    """Writes the args as JSON to the outbox and remembers every delivery."""

    extension = "json"

    def __init__(self, action: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.action = action  # type: ignore[misc]
        self._calls = calls

    def _deliver(self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        self._calls.append((self.action, args))
        path = write_outbox(self.outbox_file(ctx, ledger_id), json.dumps(args, ensure_ascii=False).encode())
        return Delivery(outbox_path=str(path), detail={"live": live})


@dataclass
class Rig:
    gateway: Gateway
    clock: MutableClock
    calls: list[tuple[str, dict[str, Any]]]
    outbox: Path
    store: Store
    make: Callable[..., Gateway] = field(repr=False)

    def opt_in(self, contact_id: str, address: str, channel: Channel = Channel.whatsapp, **extra: Any) -> None:
        self.gateway.consent.record(ConsentRecord(
            tenant="t1", contact_id=contact_id, channel=channel, status="opt_in", source="form:web-42",
            recorded_at=self.clock.now, address=address, **extra))

    def opt_out(self, contact_id: str, channel: Channel = Channel.all) -> None:
        self.gateway.consent.record(ConsentRecord(
            tenant="t1", contact_id=contact_id, channel=channel, status="opt_out", source="reply:STOP",
            recorded_at=self.clock.now))


ALL_ACTIONS = sorted(load_policy().actions)


def call(action: str, *, skill: str = "execution_governor", args: dict[str, Any] | None = None,
         contact_id: str | None = None, thread: str = "th-1", tool_call: str = "1", tenant: str = "t1") -> ToolCall:
    return ToolCall(tenant=tenant, skill=skill, action=action, args=args or {}, contact_id=contact_id,
                    thread_id=thread, tool_call_id=tool_call)


def manager(tenant: str = "t1") -> Caller:
    return Caller(user_id="u-manager", tenant=tenant, role=Role.sales_manager)


def support(tenant: str = "t1") -> Caller:
    return Caller(user_id="u-support", tenant=tenant, role=Role.support)
