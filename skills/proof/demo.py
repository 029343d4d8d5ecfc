"""The demo tenant's ledger: a scripted week replayed through the real gateway, deterministically.

The scenario (``data/demo.yaml``) runs with a fixed clock, fixed ids and a fixed demo key into an
in-memory store, so two runs give byte-identical packs. Every work unit comes from its real source:
the Targeting OS ranking recorded as ``targeting.rank``, drafts through their connectors, blocked
attempts refused by policy, approvals resolved and executed, internal actions invoked.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from skills.proof.builder import ProofPackBuilder
from skills.proof.ledger import LedgerEntry, ProofLedger
from skills.proof.models import ProofPack
from skills.proof.period import Period
from skills.registry import load_skills
from skills.targeting.factory import demo_service
from tools.approvals import ApprovalBook
from tools.audit import AuditLog
from tools.connectors import default_connectors
from tools.consent import ConsentRecord, ConsentValue
from tools.gateway import Gateway, GatewayConfig
from tools.ledger import SideEffectLedger
from tools.models import Caller, Channel, Mode, RevenueWorkUnit, Role, ToolCall
from tools.pii import PiiMasker
from tools.policy import load_policy
from tools.store import Store

# Signs the demo's in-memory audit chain only; it protects nothing real.
DEMO_KEY = b"dealix-demo-ledger-key-public-00"
DEMO_TENANT = "demo"


class DemoCall(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    skill: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)
    contact_id: str | None = None
    thread_id: str | None = None


class DemoConsent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    channel: Channel
    status: ConsentValue
    address: str | None = None
    source: str
    at: datetime


class DemoStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    rank_top: int | None = Field(default=None, ge=1, le=50)
    approve_as: Role | None = None
    calls: list[DemoCall] = Field(default_factory=list)


class DemoPeriod(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date


class DemoScenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    period: DemoPeriod
    build_at: datetime
    consents: list[DemoConsent] = Field(default_factory=list)
    steps: list[DemoStep]


def load_demo_scenario() -> DemoScenario:
    raw = resources.files("skills.proof").joinpath("data/demo.yaml").read_text(encoding="utf-8")
    return DemoScenario.model_validate(yaml.safe_load(raw))


class SteppedClock:
    """A clock a script moves: every reading returns the time last set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _counter(prefix: str) -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers):05d}"


def demo_gateway(store: Store, clock: SteppedClock, outbox: Path) -> Gateway:
    """A gateway like production's, with fixed ids and the demo key."""
    masker = PiiMasker(DEMO_KEY)
    return Gateway(
        store=store, policy=load_policy(), skills=load_skills().actions_by_skill(),
        connectors=default_connectors(), key=DEMO_KEY,
        config=GatewayConfig(outbox_dir=outbox, approval_ttl=timedelta(hours=48)), clock=clock, masker=masker,
        audit=AuditLog(store, key=DEMO_KEY, masker=masker, id_factory=_counter("evt_demo_")),
        approvals=ApprovalBook(key=DEMO_KEY, ttl=timedelta(hours=48), id_factory=_counter("apr_demo_")),
        ledger=SideEffectLedger(id_factory=_counter("L_demo_")),
    )


@dataclass
class DemoLedger:
    gateway: Gateway
    clock: SteppedClock
    scenario: DemoScenario

    @property
    def tenant(self) -> str:
        return self.scenario.tenant

    @property
    def period(self) -> Period:
        return Period(start=self.scenario.period.start, end=self.scenario.period.end)


def replay(gateway: Gateway, clock: SteppedClock, scenario: DemoScenario) -> None:
    """Run the scenario's week through ``gateway``, moving ``clock`` to each step's time."""
    tenant = scenario.tenant
    for consent in scenario.consents:
        gateway.consent.record(ConsentRecord(tenant=tenant, contact_id=consent.contact_id, channel=consent.channel,
                                             status=consent.status, source=consent.source,
                                             recorded_at=consent.at, address=consent.address))
    for index, step in enumerate(scenario.steps):
        clock.now = step.at
        thread = f"demo-week:{index}"
        if step.rank_top is not None:
            ranked = demo_service(clock=clock, tenant=tenant).rank(top=step.rank_top)
            gateway.invoke(ToolCall(tenant=tenant, skill="targeting_analyst", action="targeting.rank", thread_id=thread,
                                    tool_call_id="targeting_analyst:rank",
                                    args={"ranked": ranked.total_leads, "top_n": step.rank_top,
                                          "targets": [t.lead_id for t in ranked.targets]}), actor="demo")
        for n, item in enumerate(step.calls):
            call = ToolCall(tenant=tenant, skill=item.skill, action=item.action, args=item.args,
                            contact_id=item.contact_id, thread_id=item.thread_id or thread, tool_call_id=f"{index}.{n}")
            result = gateway.invoke(call, actor="demo")
            if result.decision.mode == Mode.approval_required and result.approval and step.approve_as:
                approver = Caller(user_id=f"demo:{step.approve_as.value}", tenant=tenant, role=step.approve_as)
                decision = gateway.resolve(result.approval.approval_id, approver, "approve")
                gateway.execute(call, approval_token=decision.token, actor=approver.user_id)


@contextmanager
def demo_ledger(scenario: DemoScenario | None = None) -> Iterator[DemoLedger]:
    """The replayed demo week in a fresh in-memory store (the outbox is a temporary directory)."""
    scenario = scenario or load_demo_scenario()
    store = Store(":memory:")
    clock = SteppedClock(scenario.steps[0].at if scenario.steps else scenario.build_at)
    try:
        with tempfile.TemporaryDirectory(prefix="dealix-demo-") as outbox:
            gateway = demo_gateway(store, clock, Path(outbox))
            replay(gateway, clock, scenario)
            clock.now = scenario.build_at
            yield DemoLedger(gateway=gateway, clock=clock, scenario=scenario)
    finally:
        store.close()


class DemoSnapshot(BaseModel):
    """What the demo routes and ``--demo`` commands show; computed once per process."""

    model_config = ConfigDict(frozen=True)

    pack: ProofPack
    entries: list[LedgerEntry]
    units: list[RevenueWorkUnit]


@lru_cache(maxsize=1)
def demo_snapshot() -> DemoSnapshot:
    with demo_ledger() as demo:
        pack = ProofPackBuilder(demo.gateway, clock=demo.clock).build(demo.tenant, demo.period, actor="demo")
        ledger = ProofLedger(demo.gateway.store)
        return DemoSnapshot(pack=pack, entries=ledger.entries(demo.tenant, demo.period),
                            units=ledger.units(demo.tenant, demo.period))
