"""``dealix demo``: a non-interactive walkthrough of the governed tool layer on embedded defaults.

The scenario is data (``samples/gateway_demo.yaml``): blocked attempts with their Arabic reasons,
drafts left in the outbox, and actions that wait for a human, are approved, and run at most once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field
from rich.panel import Panel
from rich.table import Table

from dealix.cli.output import stdout
from dealix.cli.runtime import run_demo
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Caller, Channel, Mode, Role, ToolCall
from tools.rwu import list_rwus

SCENARIO = Path(__file__).resolve().parents[2] / "samples" / "gateway_demo.yaml"


class DemoCall(BaseModel):
    skill: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)
    contact_id: str | None = None


class DemoStep(BaseModel):
    title_ar: str
    approve_as: Role | None = None
    calls: list[DemoCall]


class DemoOptIn(BaseModel):
    contact_id: str
    channel: Channel
    address: str
    source: str


class Scenario(BaseModel):
    tenant: str
    opt_ins: list[DemoOptIn] = Field(default_factory=list)
    steps: list[DemoStep]


def load_scenario(path: Path = SCENARIO) -> Scenario:
    return Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def demo() -> None:
    """The autopilot on the bundled sample leads (ranked targets, drafts, pending approvals, blocked
    attempts), then the gateway walkthrough (blocked actions, drafts, approvals executed once)."""
    run_demo(tenant="demo")
    run_gateway_demo(build_gateway(), load_scenario())


def upcoming_meeting(args: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A scenario meeting moved on by whole weeks until it is at least a day ahead (same weekday and
    hour): the calendar connector refuses an invitation to the past, and a demo run today should
    show a meeting a person could attend."""
    if not isinstance(args.get("start"), str):
        return args
    start = datetime.fromisoformat(args["start"])
    reference = now if start.tzinfo else now.replace(tzinfo=None)  # a naive start is the tenant's (now's) zone
    weeks = 0
    while start + timedelta(weeks=weeks) < reference + timedelta(days=1):
        weeks += 1
    moved = dict(args)
    for key in ("start", "end"):
        if isinstance(args.get(key), str):
            moved[key] = (datetime.fromisoformat(args[key]) + timedelta(weeks=weeks)).isoformat()
    return moved


def run_gateway_demo(gateway: Gateway, scenario: Scenario) -> dict[str, int]:
    console = stdout()
    settings = get_settings()
    run = uuid.uuid4().hex[:8]
    for opt_in in scenario.opt_ins:
        gateway.consent.record(ConsentRecord(tenant=scenario.tenant, contact_id=opt_in.contact_id,
                                             channel=opt_in.channel, status="opt_in", source=opt_in.source,
                                             recorded_at=datetime.now(UTC), address=opt_in.address))
    counts = {"blocked": 0, "drafted": 0, "approved_executed": 0, "refused_at_execution": 0}
    console.print(Panel.fit("Dealix — عرض تجريبي للبوابة المحكومة\nكل إجراء يمرّ عبر سياسة واحدة وسجل تدقيق",
                            style="bold"))
    for index, step in enumerate(scenario.steps):
        table = Table(title=step.title_ar, show_lines=True)
        for column in ("الإجراء", "القرار", "السبب / النتيجة"):
            table.add_column(column, overflow="fold")
        for n, item in enumerate(step.calls):
            args = upcoming_meeting(item.args, datetime.now(ZoneInfo(settings.timezone))) \
                if item.action.startswith("calendar.") else item.args
            call = ToolCall(tenant=scenario.tenant, skill=item.skill, action=item.action, args=args,
                            contact_id=item.contact_id, thread_id=f"demo-{run}", tool_call_id=f"{index}.{n}")
            result = gateway.invoke(call, actor="demo")
            outcome = result.decision.reason_ar
            if result.decision.mode == Mode.blocked:
                counts["blocked"] += 1
            elif result.execution is not None and result.execution.outbox_path:
                counts["drafted"] += 1
                outcome += f"\n→ {Path(result.execution.outbox_path).name}"
            elif result.approval is not None and step.approve_as is not None:
                caller = Caller(user_id=f"demo:{step.approve_as.value}", tenant=scenario.tenant,
                                role=step.approve_as)
                decision = gateway.resolve(result.approval.approval_id, caller, "approve",
                                           reason="موافقة ضمن العرض التجريبي")
                executed = gateway.execute(call, approval_token=decision.token, actor="demo")
                outcome = f"طلب موافقة {result.approval.approval_id} ← وافق {step.approve_as.value}\n"
                if executed.execution is not None and executed.execution.status == "executed":
                    counts["approved_executed"] += 1
                    outcome += f"نُفِّذ مرة واحدة → {Path(executed.execution.outbox_path or '').name}"
                else:
                    counts["refused_at_execution"] += 1
                    outcome += executed.decision.reason_ar
            table.add_row(result.decision.action, result.decision.mode.value, outcome)
        console.print(table)
    report = gateway.audit.verify()
    units = list_rwus(gateway.store, tenant=scenario.tenant)
    by_type: dict[str, int] = {}
    for unit in units:
        by_type[unit.type.value] = by_type.get(unit.type.value, 0) + 1
    console.print(f"سجل التدقيق: {'سليم' if report.ok else 'غير سليم'} ({report.events_checked} حدثاً)")
    console.print("وحدات العمل المُثبتة: " + "، ".join(f"{k}: {v}" for k, v in sorted(by_type.items())))
    console.print(f"صندوق الصادر: {settings.outbox_dir}", markup=False)
    return counts
