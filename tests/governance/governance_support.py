"""Helpers of the governance tests: a clock that can move, and approvals requested through the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.keys import key_store_for
from dealix.settings import Settings
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Role, ToolCall

# Sunday 15 November 2026, 10:00 in Riyadh (07:00 UTC): inside business hours.
SUNDAY_10 = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
TENANT = "acme"
OTHER = "rival"


@dataclass
class MovingClock:
    now: datetime = SUNDAY_10

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def request_approval(gateway: Gateway, *, tenant: str = TENANT, action: str = "crm.update",
                     contact_id: str = "lead_1", thread_id: str = "t1", call_id: str = "c1",
                     args: dict[str, Any] | None = None) -> ApprovalRequest:
    result = gateway.decide(ToolCall(tenant=tenant, skill="execution_governor", action=action,
                                     args=args if args is not None else {"record_id": contact_id, "stage": "qualified"},
                                     contact_id=contact_id, thread_id=thread_id, tool_call_id=call_id))
    assert result.decision.approval_id is not None, result.decision
    return gateway.get_approval(result.decision.approval_id, tenant)


def api_headers(settings: Settings, clock: MovingClock, role: Role = Role.ceo, *, tenant: str = TENANT,
                user: str | None = None) -> dict[str, str]:
    """A fresh API key of ``role`` in ``tenant`` (user ``role@tenant`` unless named), as a Bearer header."""
    key = key_store_for(settings).create(user_id=user or f"{role.value}@{tenant}", tenant=tenant, role=role,
                                         now=clock.now).key
    return {"Authorization": f"Bearer {key}"}
