"""The intent catalogue of the operator chat, loaded from ``data/intents.yaml``, and the routing result."""

from __future__ import annotations

import importlib.util
import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from skills.targeting.textkeys import match_key

OPERATOR_SKILL = "operator_console"
"""The console's own skill id: it may *ask* the gateway about the refused actions (recorded), never run one."""

Lang = Literal["ar", "en"]
Period = Literal["today", "week", "month"]
RouteVia = Literal["classifier", "model", "refusal", "understanding"]
ConsentClaim = Literal["verbal", "denied"]


class IntentSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    skill: str | None = Field(description="Registry skill that serves it; None for built-in answers.")
    requires: str | None = Field(description="Module that must exist for the intent to run.")
    label_ar: str
    label_en: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...] = Field(min_length=2)


class RefusalSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: str | None = Field(description="The action the request amounts to, asked of the gateway (recorded).")
    patterns: tuple[str, ...] = Field(min_length=1, description="Regexes over the normalised request.")

    @field_validator("patterns")
    @classmethod
    def _compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns


class IntentCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    threshold: float = Field(gt=0, lt=1)
    intents: dict[str, IntentSpec]
    refusals: dict[str, RefusalSpec]
    numbers: dict[str, int]
    periods: dict[Period, tuple[str, ...]]

    def available(self, intent: str) -> bool:
        """Whether the module an intent needs exists (skills other people build arrive over time)."""
        spec = self.intents.get(intent)
        if spec is None:
            return False
        return spec.requires is None or importlib.util.find_spec(spec.requires) is not None


@lru_cache(maxsize=1)
def load_intents() -> IntentCatalog:
    raw = resources.files("skills.operator").joinpath("data/intents.yaml").read_bytes()
    catalog = IntentCatalog.model_validate(yaml.safe_load(raw))
    # Keywords and patterns are matched against normalised text: normalise them the same way once.
    intents = {k: v.model_copy(update={"keywords": tuple(match_key(w) for w in v.keywords)})
               for k, v in catalog.intents.items()}
    numbers = {match_key(k): v for k, v in catalog.numbers.items()}
    periods = {k: tuple(match_key(w) for w in v) for k, v in catalog.periods.items()}
    return catalog.model_copy(update={"intents": intents, "numbers": numbers, "periods": periods})


DESK_ACTIONS = frozenset({"moyasar.invoice_draft", "calendar.draft", "crm.update", "sheets.export"})
"""What the chat's desk prepares itself: drafts, and changes that wait for an approval."""


@lru_cache(maxsize=1)
def _act_actions() -> frozenset[str]:
    raw = resources.files("skills.operator").joinpath("data/understanding.yaml").read_bytes()
    return frozenset(str(act["action"]) for act in yaml.safe_load(raw)["acts"])


def operator_console_actions() -> frozenset[str]:
    """The console's least privilege: the desk's drafts, and the forbidden acts it sends to the gateway
    as themselves (so that the gateway refuses each with its own reason, never with skill_not_allowed)."""
    legacy = frozenset(r.action for r in load_intents().refusals.values() if r.action)
    return legacy | _act_actions() | DESK_ACTIONS


class Slots(BaseModel):
    """What a clause says beside its intent. Target and date keep the request's own spelling."""

    model_config = ConfigDict(frozen=True)

    channel: str | None = Field(default=None, description="whatsapp, email, linkedin, calendar ... when named.")
    target: str | None = Field(default=None, description="A named person or company, as written.")
    amount_sar: Decimal | None = Field(default=None, description="An amount in riyals, when the clause gives one.")
    when: datetime | None = Field(default=None, description="A date (and hour) the clause names, Asia/Riyadh.")
    number: int | None = Field(default=None, description="An item number ('approve 2').")
    top_n: int | None = Field(default=None, ge=1, le=100)
    period: Period | None = None
    verdict: Literal["approve", "reject"] | None = None
    reason: str | None = Field(default=None, description="The rest of a decision ('reject 3, wrong person').")
    consent_claim: ConsentClaim | None = Field(default=None, description="What the request claims; never a record.")
    bulk: bool = False
    purchased_list: bool = False


class Intent(BaseModel):
    """Where one request goes, and what was read from it. JSON-only fields: it sits in graph state."""

    model_config = ConfigDict(frozen=True)

    intent: str = Field(description="Intent id from the catalogue, 'refusal' or 'unknown'.")
    skill: str | None = Field(default=None, description="Registry skill serving it.")
    confidence: float = Field(ge=0, le=1)
    via: RouteVia
    lang: Lang = Field(description="Language of the request; the reply follows it.")
    top_n: int | None = Field(default=None, ge=1, le=100, description="'Top N' when the request names one.")
    period: Period | None = None
    refusal: str | None = Field(default=None, description="Refusal id when intent is 'refusal'.")
    text: str = Field(description="The request as written (for a step of a longer message: the whole message).")
    action: str | None = Field(default=None, description="For a refusal: the gateway action it is sent as.")
    slots: Slots = Field(default_factory=Slots, description="What the request says beside its intent.")
