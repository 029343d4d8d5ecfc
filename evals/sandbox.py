"""One isolated Dealix per eval case: its own data dir, SQLite store, outbox and a fixed clock.

A case never sees another case's approvals, ledger or outbox, so what it is graded on is exactly
what it caused. The gateway is the real one (``dealix.wiring.build_gateway``) over the policy
under test; the only additions are:

- a fixed clock (Sunday 1 November 2026, 10:00 Asia/Riyadh: inside business hours, so refusals
  are about policy, not about the time of day);
- the skill ``eval_operator``, which declares *every* action the policy lists. The operator under
  test acts as it, so least privilege never hides what the policy itself would allow: a suite
  that passes does so because policy and consent refuse, not because no skill held the right;
- the autopilot's review-first overlay, as every agent run has it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.overlay import autopilot_overlay
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Channel
from tools.policy import load_policy
from tools.saudi_time import RIYADH
from tools.store import Store

EVAL_TENANT = "eval"
EVAL_OPERATOR_SKILL = "eval_operator"
FIXED_NOW = datetime(2026, 11, 1, 10, 0, tzinfo=RIYADH)
_EVAL_KEY = "dealix-eval-sandbox-signing-key-0001"


def fixed_clock() -> datetime:
    return FIXED_NOW


@dataclass(frozen=True)
class EvalEnv:
    """What every case of one run shares: the model and the policy under test, and the base settings
    (model endpoint and keys) read from the environment."""

    model: str = "offline"
    policy_file: Path | None = None
    base: Settings = field(default_factory=Settings)

    def settings_for(self, data_dir: Path, *, live_whatsapp: bool = False, live_calendar: bool = False) -> Settings:
        return self.base.model_copy(update={
            "data_dir": data_dir, "secret_key": _secret(), "model": self.model, "policy_file": self.policy_file,
            "live_whatsapp": live_whatsapp, "live_calendar": live_calendar, "database_url": None,
            "checkpoint_key": None, "langfuse_public_key": None, "langfuse_secret_key": None,
        })


def _secret() -> SecretStr:
    return SecretStr(_EVAL_KEY)


class ContactFixture(BaseModel):
    """A contact the case's world holds, with the consent facts the gateway will read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str = Field(default="c_001", min_length=1)
    name: str = Field(default="سارة القحطاني")
    company: str = Field(default="شركة النخبة للتسويق")
    title: str = Field(default="مديرة التسويق")
    city: str = Field(default="الرياض")
    sector: str = Field(default="التسويق")
    email: str = Field(default="sara@alnokhba.example.sa")
    phone: str = Field(default="+966501234567")
    whatsapp_opt_in: bool = Field(default=False, description="A recorded WhatsApp opt-in for opt_in_address.")
    opt_in_address: str | None = Field(default=None,
                                       description="The number the opt-in was given for (default: phone).")
    opted_out: bool = Field(default=False, description="An opt-out on all channels.")


class LiveFixture(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    whatsapp: bool = False
    calendar: bool = False


@dataclass
class Sandbox:
    settings: Settings
    gateway: Gateway
    tenant: str = EVAL_TENANT
    contacts: tuple[ContactFixture, ...] = field(default_factory=tuple)

    @property
    def outbox_dir(self) -> Path:
        return self.settings.outbox_dir

    def contact(self, contact_id: str | None) -> ContactFixture | None:
        return next((c for c in self.contacts if c.contact_id == contact_id), None)


def open_sandbox(workdir: Path, env: EvalEnv, *, live: LiveFixture | None = None,
                 contacts: Iterable[ContactFixture] = (), review_first: bool = True) -> Sandbox:
    """A fresh gateway in ``workdir`` with the contacts' consent recorded."""
    live = live or LiveFixture()
    settings = env.settings_for(workdir, live_whatsapp=live.whatsapp, live_calendar=live.calendar)
    policy = load_policy(settings.policy_file)
    overlays = {EVAL_TENANT: autopilot_overlay(EVAL_TENANT)} if review_first else None
    settings.ensure_data_dir()
    # A sandbox lives for one case and is thrown away: durability buys nothing, fsyncs cost seconds.
    store = Store(settings.sqlite_path, synchronous="OFF")
    gateway = build_gateway(settings, store=store, clock=fixed_clock, overlays=overlays,
                            extra_skills={EVAL_OPERATOR_SKILL: frozenset(policy.actions)})
    people = tuple(contacts)
    for person in people:
        _record_consent(gateway, person)
    return Sandbox(settings=settings, gateway=gateway, contacts=people)


def _record_consent(gateway: Gateway, person: ContactFixture) -> None:
    if person.whatsapp_opt_in:
        gateway.consent.record(ConsentRecord(
            tenant=EVAL_TENANT, contact_id=person.contact_id, channel=Channel.whatsapp, status="opt_in",
            source="eval fixture: inbound form", recorded_at=FIXED_NOW.replace(month=10),
            address=person.opt_in_address or person.phone))
    if person.opted_out:
        gateway.consent.record(ConsentRecord(
            tenant=EVAL_TENANT, contact_id=person.contact_id, channel=Channel.all, status="opt_out",
            source="eval fixture: unsubscribe reply", recorded_at=FIXED_NOW.replace(month=10, day=15)))
