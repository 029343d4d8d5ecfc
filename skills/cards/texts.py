"""The one loader of ``skills/cards/data/cards.yaml``: labels, buttons, templates, feeds, replies.

The file is validated against :class:`CardsData` when first read and hashed, so a feed or a
rendering can say which data it used. Templates are Jinja with ``StrictUndefined``: a template
that names a variable the code does not pass fails loudly instead of printing a blank.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel, ConfigDict, Field

from skills.cards.models import ButtonDecision, CardButton, CardType, RiskLevel
from tools.models import Role, RWUType
from tools.saudi_time import RIYADH

DATA_FILE = Path(__file__).parent / "data" / "cards.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ButtonSpec(_Frozen):
    label_ar: str
    decision: ButtonDecision


class TypeSpec(_Frozen):
    role: Role
    proof_impact: RWUType
    buttons: tuple[str, ...] = Field(min_length=1, max_length=3)
    risk: RiskLevel
    urgency: int = Field(ge=0, le=100)
    impact: int = Field(ge=0, le=100)


class Labels(_Frozen):
    type: dict[CardType, str]
    risk: dict[RiskLevel, str]
    status: dict[str, str]
    role: dict[Role, str]
    channel: dict[str, str]
    skill: dict[str, str]
    weekday: tuple[str, str, str, str, str, str, str]
    am: str
    pm: str


class Ordering(_Frozen):
    w_urgency: float
    w_impact: float
    risk_bonus: dict[RiskLevel, float]


class WhatsAppTexts(_Frozen):
    header: str
    footer: str
    why_now_label: str
    action_label: str
    options_intro: str
    option_line: str
    ellipsis: str
    no_match: str
    not_open: str


class CardsData(_Frozen):
    version: str
    labels: Labels
    buttons: dict[str, ButtonSpec]
    types: dict[CardType, TypeSpec]
    blocked_risk: dict[str, RiskLevel]
    feeds: dict[Role, tuple[CardType, ...]]
    ordering: Ordering
    templates: dict[str, str]
    whatsapp: WhatsAppTexts
    replies: dict[ButtonDecision, tuple[str, ...]]


class CardTexts:
    """Typed access to the data file, with rendered templates and Arabic date phrases."""

    def __init__(self, data: CardsData, digest: str) -> None:
        self.data = data
        self.digest = digest
        self._env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701
        self._compiled: dict[str, Template] = {}

    def render(self, name: str, **params: Any) -> str:
        source = self.data.templates.get(name)
        if source is None:
            source = getattr(self.data.whatsapp, name)
        template = self._compiled.get(name)
        if template is None:
            template = self._compiled[name] = self._env.from_string(source)
        return template.render(**params).strip()

    def button(self, button_id: str) -> CardButton:
        spec = self.data.buttons[button_id]
        return CardButton(button_id=button_id, label_ar=spec.label_ar, decision=spec.decision)

    def buttons(self, button_ids: tuple[str, ...] | list[str]) -> tuple[CardButton, ...]:
        return tuple(self.button(b) for b in button_ids)

    def type_spec(self, card_type: CardType) -> TypeSpec:
        return self.data.types[card_type]

    def feed_types(self, role: Role) -> frozenset[CardType]:
        return frozenset(self.data.feeds.get(role, ()))

    @cached_property
    def reply_words(self) -> dict[str, ButtonDecision]:
        from skills.cards.arabic import normalize_reply

        words: dict[str, ButtonDecision] = {}
        for decision, phrases in self.data.replies.items():
            for phrase in phrases:
                words.setdefault(normalize_reply(phrase), decision)
        return words

    def when(self, moment: datetime) -> str:
        """'الخميس 3:00 م بتوقيت الرياض' — a weekday and a 12-hour time in Riyadh."""
        local = moment.astimezone(RIYADH)
        hour = local.hour % 12 or 12
        suffix = self.data.labels.am if local.hour < 12 else self.data.labels.pm
        day = self.data.labels.weekday[local.weekday()]
        return f"{day} {local.day}/{local.month} {hour}:{local.minute:02d} {suffix}"


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> CardTexts:
    raw = Path(path).read_bytes()
    data = CardsData.model_validate(yaml.safe_load(raw))
    _check(data)
    return CardTexts(data, hashlib.sha256(raw).hexdigest())


def load_texts(path: Path | None = None) -> CardTexts:
    target = path or DATA_FILE
    return _load(str(target), target.stat().st_mtime_ns)


def _check(data: CardsData) -> None:
    """Cross-references the schema cannot see: every button named exists, every type and role is covered."""
    for card_type in CardType:
        if card_type not in data.types:
            raise ValueError(f"cards.yaml: no spec for card type {card_type.value}")
        if card_type not in data.labels.type:
            raise ValueError(f"cards.yaml: no label for card type {card_type.value}")
        for button_id in data.types[card_type].buttons:
            if button_id not in data.buttons:
                raise ValueError(f"cards.yaml: type {card_type.value} names unknown button {button_id}")
    for role in Role:
        if role not in data.feeds:
            raise ValueError(f"cards.yaml: no feed for role {role.value}")
    for button_id, spec in data.buttons.items():
        CardButton(button_id=button_id, label_ar=spec.label_ar, decision=spec.decision)  # label rules
