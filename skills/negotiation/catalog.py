"""The one loader of the negotiation data files: lexicon, playbook and rules (``skills/negotiation/data``).

Each file is validated against its schema (unknown keys refused), versioned, and cached once per
process. Nothing is read at import.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field, field_validator

from skills.negotiation.models import OBJECTIONS, DealContext, ObjectionClass, Owner, ReplySections, RuleCode
from tools.errors import PolicyError

_env = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701 - plain text, never HTML


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ----------------------------------------------------------------------------------- lexicon
class FuzzySettings(_Frozen):
    cutoff: float = Field(ge=50, le=100, description="rapidfuzz ratio a near spelling needs.")
    min_chars: int = Field(ge=3, description="Cues shorter than this match exactly only.")
    weight: float = Field(gt=0, le=1, description="Share of the cue's weight a near spelling earns.")


class ClassCues(_Frozen):
    label_ar: str
    cues: dict[str, float] = Field(min_length=1)
    counter: tuple[str, ...] = Field(default=(), description="Phrases that cancel the class's cues they cover.")

    @field_validator("cues")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        if any(weight <= 0 for weight in value.values()):
            raise ValueError("cue weights are positive; use 'counter' to cancel evidence")
        return value


class Lexicon(_Frozen):
    version: str
    sha256: str = ""
    threshold: float = Field(gt=0, lt=1)
    smoothing: float = Field(ge=0)
    min_score: float = Field(ge=0)
    unknown_label_ar: str
    precedence: tuple[tuple[ObjectionClass, ObjectionClass], ...] = Field(
        default=(), description="(winner, loser): when both have evidence, the winner is the label.")
    review_below: float = Field(gt=0, le=1)
    second_objection_min_score: float = Field(gt=0)
    fuzzy: FuzzySettings
    arabic_proclitics: tuple[str, ...]
    arabic_enclitics: tuple[str, ...]
    latin_suffixes: tuple[str, ...]
    arabizi_markers: frozenset[str]
    injection_cues: tuple[str, ...]
    classes: dict[ObjectionClass, ClassCues]

    @field_validator("classes")
    @classmethod
    def _every_class(cls, value: dict[ObjectionClass, ClassCues]) -> dict[ObjectionClass, ClassCues]:
        missing = [c.value for c in OBJECTIONS if c not in value]
        if missing or ObjectionClass.unknown in value:
            raise ValueError(f"the lexicon needs exactly the eight objection classes (missing: {missing})")
        return value


# ----------------------------------------------------------------------------------- playbook
class Bilingual(_Frozen):
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class StepTemplate(_Frozen):
    owner: Owner
    offset: int = Field(ge=0, le=30, description="Business days after the previous step (or the start).")
    meeting: bool = Field(default=False, description="The step the reply proposes: its date is in the reply.")
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class RiskTemplate(_Frozen):
    code: str
    ar: str
    mitigation: str


class SituationalRisk(_Frozen):
    ar: str
    mitigation: str


class ClassPlaybook(_Frozen):
    ar: ReplySections
    en: ReplySections
    steps: tuple[StepTemplate, ...] = Field(min_length=1)
    risks: tuple[RiskTemplate, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _one_meeting(cls, value: tuple[StepTemplate, ...]) -> tuple[StepTemplate, ...]:
        if sum(step.meeting for step in value) != 1:
            raise ValueError("exactly one step is the meeting the reply proposes")
        return value


class CalendarNames(_Frozen):
    weekdays_ar: tuple[str, ...] = Field(min_length=7, max_length=7, description="Monday first.")
    weekdays_en: tuple[str, ...] = Field(min_length=7, max_length=7)
    months_ar: tuple[str, ...] = Field(min_length=12, max_length=12)
    months_en: tuple[str, ...] = Field(min_length=12, max_length=12)
    hijri_suffix_ar: str


class BilingualList(_Frozen):
    ar: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)


class ClarifyTopic(_Frozen):
    cues: tuple[str, ...] = Field(min_length=1, description="Folded-text cues of what the customer asked about.")
    ar: str = Field(min_length=1, description="The one clarifying question, in Arabic.")
    en: str = Field(min_length=1)


class ClarifySet(_Frozen):
    topics: dict[str, ClarifyTopic] = Field(description="In matching order: the first topic with a cue wins.")
    general: Bilingual = Field(description="The question when no topic matches.")
    next_step: Bilingual = Field(description="The proposed call as an offer (not a second question), with {{ date }}.")


class LeadFacts(_Frozen):
    """What a reply may say about the lead itself: chosen from the deal, never from the customer's text."""

    key: str = Field(default="", description="Stable key of the lead (its deal id): picks the opening.")
    situation: str = Field(default="general", description="The lead's strongest why-now situation, or 'general'.")
    sector: str = Field(default="", description="The lead's sector as its record spells it, or ''.")


class Playbook(_Frozen):
    version: str
    sha256: str = ""
    owners: dict[Owner, Bilingual]
    calendar: CalendarNames
    common_steps: tuple[StepTemplate, ...]
    replies: dict[ObjectionClass, ClassPlaybook]
    situational_risks: dict[str, SituationalRisk]
    acknowledge_variants: dict[ObjectionClass, BilingualList] = Field(default_factory=dict)
    lead_lines: dict[str, Bilingual] = Field(default_factory=dict, description="By situation, and 'sector'.")
    clarify: ClarifySet

    @field_validator("replies")
    @classmethod
    def _every_class(cls, value: dict[ObjectionClass, ClassPlaybook]) -> dict[ObjectionClass, ClassPlaybook]:
        missing = [c.value for c in ObjectionClass if c not in value]
        if missing:
            raise ValueError(f"the playbook needs a reply for every class and 'unknown' (missing: {missing})")
        return value

    def sections(self, label: ObjectionClass, language: str, *, date: str, lead: LeadFacts | None = None,
                 topic: str | None = None) -> ReplySections:
        """The vetted reply of ``label`` for one lead, with the proposed date filled in.

        The opening is one of the class's vetted openings, picked by the lead's key; a sentence on the
        lead's own situation (or sector) follows it. ``unknown`` asks the one question of ``topic`` (what
        the customer asked about) and offers the call on the date without asking a second question.
        """
        entry = self.replies[label]
        base = entry.ar if language == "ar" else entry.en
        lead = lead or LeadFacts()
        # Asked where their number came from: no sentence about what we know of them.
        about = "" if topic == "source" else self._lead_line(language, lead)
        opening = " ".join(part for part in (self._opening(label, language, base.acknowledge, lead.key), about)
                           if part)
        if label is ObjectionClass.unknown:
            question: ClarifyTopic | Bilingual = self.clarify.topics.get(topic or "", self.clarify.general)
            offer = self.clarify.next_step.ar if language == "ar" else self.clarify.next_step.en
            return ReplySections(acknowledge=opening, scope_question=question.ar if language == "ar" else question.en,
                                 pilot_offer="", proof_link="", next_step=_env.from_string(offer).render(date=date))
        return base.model_copy(update={"acknowledge": opening,
                                       "next_step": _env.from_string(base.next_step).render(date=date)})

    def _opening(self, label: ObjectionClass, language: str, default: str, key: str) -> str:
        variants = self.acknowledge_variants.get(label)
        options = (default, *((variants.ar if language == "ar" else variants.en) if variants else ()))
        if not key:
            return default
        digest = hashlib.sha256(f"{label.value}:{key}".encode()).digest()
        return options[int.from_bytes(digest[:4], "big") % len(options)]

    def _lead_line(self, language: str, lead: LeadFacts) -> str:
        line = self.lead_lines.get(lead.situation)
        if line is not None:
            return line.ar if language == "ar" else line.en
        sector = " ".join(lead.sector.split())
        sector_line = self.lead_lines.get("sector")
        # A sector is named only in its own script: no Latin word dropped into Arabic copy, and back.
        if sector_line is None or not sector or sector.isascii() != (language == "en"):
            return ""
        return _env.from_string(sector_line.ar if language == "ar" else sector_line.en).render(sector=sector)


# ----------------------------------------------------------------------------------- rules
class Limits(_Frozen):
    text_max_chars: int = Field(gt=0)
    seller_request_max_chars: int = Field(gt=0)
    longest_word_chars: int = Field(gt=0)


class Terms(_Frozen):
    price: tuple[str, ...]
    proof: tuple[str, ...]
    pilot: tuple[str, ...]


class RequestPatterns(_Frozen):
    action: str
    patterns: tuple[str, ...] = Field(min_length=1)


class Rules(_Frozen):
    version: str
    sha256: str = ""
    limits: Limits
    terms: Terms
    reply_patterns: dict[str, tuple[str, ...]]
    seller_request_patterns: dict[str, RequestPatterns]
    messages: dict[str, Bilingual]
    rule_messages: dict[RuleCode, str]

    @field_validator("reply_patterns", "seller_request_patterns")
    @classmethod
    def _compiles(cls, value: dict[str, Any]) -> dict[str, Any]:
        for group in value.values():
            for pattern in group.patterns if isinstance(group, RequestPatterns) else group:
                re.compile(pattern)
        return value

    def message(self, code: str, **params: object) -> Bilingual:
        text = self.messages[code]
        return Bilingual(ar=text.ar.format(**params), en=text.en.format(**params))


# ----------------------------------------------------------------------------------- demo
class HostileDemo(_Frozen):
    text: str
    seller_request: str


class DemoSet(_Frozen):
    version: str
    sha256: str = ""
    deal: DealContext
    messages: tuple[str, ...] = Field(min_length=1)
    hostile: HostileDemo


# ----------------------------------------------------------------------------------- loading
def _read(name: str) -> tuple[dict[str, Any], str]:
    raw = resources.files("skills.negotiation").joinpath("data").joinpath(name).read_bytes()
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise PolicyError(f"ملف التفاوض {name} غير صالح.", f"skills/negotiation/data/{name} is not a mapping.",
                          code="negotiation_data_invalid")
    return data, hashlib.sha256(raw).hexdigest()


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    data, digest = _read("lexicon.yaml")
    return Lexicon.model_validate({**data, "sha256": digest})


@lru_cache(maxsize=1)
def load_playbook() -> Playbook:
    data, digest = _read("playbook.yaml")
    return Playbook.model_validate({**data, "sha256": digest})


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    data, digest = _read("rules.yaml")
    return Rules.model_validate({**data, "sha256": digest})


@lru_cache(maxsize=1)
def load_demo() -> DemoSet:
    data, digest = _read("demo.yaml")
    return DemoSet.model_validate({**data, "sha256": digest})
