"""Helpers of the dead-letter tests: connectors that fail on cue, and a gateway built around them."""

from __future__ import annotations

import json
import threading
from typing import Any, ClassVar

from dealix.settings import Settings
from dealix.wiring import open_store
from skills.registry import load_skills
from tools.connectors import default_connectors
from tools.connectors.base import Connector, ConnectorContext, Delivery, write_outbox
from tools.errors import ConnectorError
from tools.gateway import Gateway, GatewayConfig
from tools.models import ToolCall
from tools.policy import load_policy
from tools.saudi_time import Clock

PHONE = "+966 55 123 4567"  # planted in error messages: it must never be stored or printed
DRAFT_ARGS = {"to": "sara@example.sa", "subject": "موعد", "body": "السلام عليكم"}


class FlakyConnector(Connector):
    """Fails ``failures`` times (with a phone number in its message), then writes its outbox file.

    ``gate``: when set, a successful run waits on it first (to hold the ledger lease in a race)."""

    extension: ClassVar[str] = "json"

    def __init__(self, action: str, failures: int, *, idempotent: bool = True, fail_after_outbox: bool = False,
                 gate: threading.Event | None = None) -> None:
        self.action = action  # type: ignore[misc]
        self.idempotent = idempotent  # type: ignore[misc]
        self.failures = failures
        self.fail_after_outbox = fail_after_outbox
        self.gate = gate
        self.entered = threading.Event()
        self.runs = 0
        self.delivered = 0
        self._lock = threading.Lock()

    def _deliver(self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        with self._lock:
            self.runs += 1
            failing = self.runs <= self.failures
        if failing:
            if self.fail_after_outbox:
                write_outbox(self.outbox_file(ctx, ledger_id), b"{}")  # something may have left
            raise ConnectorError("تعذّر الاتصال بالخدمة.", f"upstream refused the call for {PHONE}",
                                 code="upstream_unavailable")
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        path = write_outbox(self.outbox_file(ctx, ledger_id), json.dumps(args, ensure_ascii=False).encode())
        with self._lock:
            self.delivered += 1
        return Delivery(outbox_path=str(path))


def make_gateway(settings: Settings, clock: Clock, *connectors: Connector) -> Gateway:
    settings.ensure_data_dir()
    return Gateway(
        store=open_store(settings), policy=load_policy(), skills=load_skills().actions_by_skill(),
        connectors={**default_connectors(), **{c.action: c for c in connectors}}, key=settings.signing_key(),
        config=GatewayConfig(outbox_dir=settings.outbox_dir), clock=clock)


def draft_call(tenant: str = "acme", call_id: str = "d1") -> ToolCall:
    return ToolCall(tenant=tenant, skill="execution_governor", action="gmail.draft", contact_id="lead_1",
                    args=DRAFT_ARGS, thread_id="t-dlq", tool_call_id=call_id)
