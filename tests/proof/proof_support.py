"""Helpers of the proof tests: a gateway wired like production on a temp dir, a clock a test moves,
calls from each skill, and readers over the ledger that do not go through the code under test."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dealix.settings import Settings
from dealix.wiring import build_gateway
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Caller, Channel, GatewayResult, Role, ToolCall

# Sunday 22 November 2026, 11:00 in Riyadh.
SUNDAY_11_RIYADH = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
KEY = "p" * 32
TENANT = "acme"
OTHER = "globex"

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
HOSTILE = f"{SCRIPT}{IMG}**bold** | pipe [link](javascript:alert(1)) `code`"


class MutableClock:
    def __init__(self, now: datetime = SUNDAY_11_RIYADH) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", secret_key=KEY)


@dataclass
class Rig:
    settings: Settings
    gateway: Gateway
    clock: MutableClock
    counter: int = 0

    def call(self, skill: str, action: str, *, args: dict[str, Any] | None = None, contact: str | None = None,
             tenant: str = TENANT, thread: str = "th-1") -> ToolCall:
        self.counter += 1
        return ToolCall(tenant=tenant, skill=skill, action=action, args=args or {}, contact_id=contact,
                        thread_id=thread, tool_call_id=f"call-{self.counter}")

    def invoke(self, skill: str, action: str, **kwargs: Any) -> GatewayResult:
        return self.gateway.invoke(self.call(skill, action, **kwargs))

    def approve_and_run(self, skill: str, action: str, *, role: Role = Role.sales_manager,
                        tenant: str = TENANT, **kwargs: Any) -> GatewayResult:
        call = self.call(skill, action, tenant=tenant, **kwargs)
        asked = self.gateway.invoke(call)
        assert asked.approval is not None, asked.decision
        decision = self.gateway.resolve(asked.approval.approval_id,
                                        Caller(user_id=f"u-{role.value}", tenant=tenant, role=role), "approve")
        return self.gateway.execute(call, approval_token=decision.token)

    def consent(self, contact: str, status: str, channel: Channel = Channel.whatsapp, address: str | None = None,
                tenant: str = TENANT) -> None:
        self.gateway.consent.record(ConsentRecord(
            tenant=tenant, contact_id=contact, channel=channel, status=status,  # type: ignore[arg-type]
            source="form:web-42" if status == "opt_in" else "reply:STOP", recorded_at=self.clock(), address=address))


def make_rig(root: Path, clock: MutableClock | None = None) -> Rig:
    settings = make_settings(root)
    clock = clock or MutableClock()
    return Rig(settings=settings, gateway=build_gateway(settings, clock=clock), clock=clock)


# --- calls that produce each kind of work unit through its real source --------------------------
def email_draft(to: str = "nora@example.sa") -> dict[str, Any]:
    return {"to": to, "subject": "متابعة", "body": "السلام عليكم، نود ترتيب اتصال قصير هذا الأسبوع."}


def meeting(to: str = "nora@example.sa") -> dict[str, Any]:
    return {"title": "اجتماع تعريفي", "start": "2026-11-24T10:00:00", "duration_minutes": 30, "attendees": [to]}


def invoice(unit_price: str = "12500.00", quantity: int = 1) -> dict[str, Any]:
    return {"seller_name": "شركة ديليكس", "vat_number": "300000000000003", "buyer_name": "متجر نورة",
            "items": [{"description": "باقة تجريبية", "quantity": quantity, "unit_price": unit_price}]}


def crm_update(record: str = "deal-1") -> dict[str, Any]:
    return {"updates": [{"record_id": record, "field": "stage", "old": "new", "new": "contacted"}]}


# --- independent readers of the store -----------------------------------------------------------
def db(settings: Settings) -> sqlite3.Connection:
    conn = sqlite3.connect(settings.sqlite_path)
    conn.row_factory = sqlite3.Row
    return conn


def units(settings: Settings, tenant: str = TENANT) -> list[sqlite3.Row]:
    with db(settings) as conn:
        return conn.execute("SELECT * FROM revenue_work_units WHERE tenant = ? ORDER BY ts, rwu_id",
                            (tenant,)).fetchall()


def event(settings: Settings, event_id: str) -> sqlite3.Row:
    with db(settings) as conn:
        row = conn.execute("SELECT * FROM audit_events WHERE event_id = ?", (event_id,)).fetchone()
    assert row is not None, f"no audit event {event_id}"
    return row


def payload(row: sqlite3.Row) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row["payload"])
    return loaded


def seed_week(rig: Rig) -> None:
    """A known ledger for tenant ``acme`` on Sunday 22 November 2026 (Riyadh), plus noise from another
    tenant and from the week before. The figures the pack must show are in the pack tests."""
    start = rig.clock.now
    # Thursday before: an approval that will have expired by Sunday, and work outside the period.
    rig.clock.now = start - timedelta(days=3)
    rig.invoke("execution_governor", "crm.update", contact="c-old", args=crm_update("deal-old"))
    rig.invoke("saudi_copywriter", "gmail.draft", contact="c-old", args=email_draft("old@example.sa"))
    rig.clock.now = start
    rig.invoke("targeting_analyst", "targeting.rank", args={"ranked": 40, "top_n": 3,
                                                             "targets": ["ld_a", "ld_b", "ld_c"]})
    for contact in ("c-1", "c-2", "c-3"):
        rig.invoke("saudi_copywriter", "gmail.draft", contact=contact, args=email_draft(f"{contact}@example.sa"))
    rig.invoke("negotiation_coach", "calendar.draft", contact="c-2", args=meeting("c-2@example.sa"))
    rig.invoke("execution_governor", "moyasar.invoice_draft", contact="c-3", args=invoice("10000.00", 2))
    rig.invoke("execution_governor", "moyasar.invoice_draft", args=invoice("5000.00"))
    rig.approve_and_run("execution_governor", "crm.update", contact="c-4", args=crm_update("deal-4"))
    rig.consent("c-5", "opt_out", Channel.all)
    for contact in ("c-5", "c-6", "c-7"):
        rig.invoke("execution_governor", "whatsapp.send", contact=contact, args={"to": "0550000505", "body": "مرحباً"})
    rig.invoke("targeting_analyst", "linkedin.scrape", args={"query": "a"})
    rig.invoke("targeting_analyst", "linkedin.scrape", args={"query": "b"})
    rig.invoke("saudi_copywriter", "gmail.send", contact="c-1", args=email_draft("c-1@example.sa"))
    rig.invoke("negotiation_coach", "deal.risk_flag", thread="deal-2", args={"deal_id": "deal-2", "risk": "silent"})
    rig.invoke("execution_governor", "calendar.insert", contact="c-2", args=meeting("c-2@example.sa"))
    rig.clock.advance(hours=1)
    rig.invoke("execution_governor", "crm.update", contact="c-8", args=crm_update("deal-8"))
    # Another tenant's busy day must not show anywhere in acme's pack.
    rig.invoke("targeting_analyst", "targeting.rank", tenant=OTHER, args={"ranked": 9, "targets": ["x1", "x2"]})
    rig.invoke("saudi_copywriter", "gmail.draft", tenant=OTHER, contact="o-1", args=email_draft("o@example.sa"))
    rig.invoke("execution_governor", "crm.update", tenant=OTHER, contact="o-1", args=crm_update("deal-o"))
    rig.invoke("targeting_analyst", "linkedin.scrape", tenant=OTHER, args={"query": "o"})
    rig.clock.now = start + timedelta(hours=5)
