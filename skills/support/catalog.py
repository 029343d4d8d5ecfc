"""The one loader of Customer Ops' data files: classifier terms, SLA targets, churn points, messages.

Each file is validated against its model when loaded; :func:`load_catalog` caches the result. The
holidays live in ``holidays.yaml`` and are read by :mod:`skills.support.business_time`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skills.support.models import CATEGORIES, Category, ChurnLevel, ChurnSignalKind, ClockName, Priority
from tools.models import Role

DATA_DIR = Path(__file__).parent / "data"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryTerms(_Frozen):
    ar: dict[str, float] = Field(default_factory=dict)
    en: dict[str, float] = Field(default_factory=dict)


class PriorityRules(_Frozen):
    base: dict[Category, Priority]
    urgent_terms: dict[Literal["ar", "en"], tuple[str, ...]]
    outage_terms: dict[Literal["ar", "en"], tuple[str, ...]] = Field(
        default_factory=dict, description="The service is down for the customer: at least high priority, urgent "
        "with an urgency term.")


class ClassifierFile(_Frozen):
    version: str
    min_confidence: float = Field(ge=0, le=1)
    tie_order: tuple[Category, ...]
    categories: dict[Category, CategoryTerms]
    priority: PriorityRules
    injection_patterns: tuple[str, ...]

    @model_validator(mode="after")
    def _complete(self) -> ClassifierFile:
        if set(self.tie_order) != set(CATEGORIES):
            raise ValueError("tie_order must list every category once")
        if set(self.priority.base) != set(CATEGORIES):
            raise ValueError("every category needs a base priority")
        return self


class _Target(_Frozen):
    first_response: int = Field(gt=0)
    resolution: int = Field(gt=0)

    def minutes(self, clock: ClockName) -> int:
        return self.first_response if clock == "first_response" else self.resolution


class _Escalation(_Frozen):
    warning: Role
    breach: Role
    critical_breach: Role


class SlaFile(_Frozen):
    version: str
    warning_at: float = Field(gt=0, lt=1)
    targets: dict[Priority, _Target]
    escalation: _Escalation
    owners: dict[Category, Role]


class ChurnFile(_Frozen):
    version: str
    window_days: int = Field(gt=0)
    points: dict[ChurnSignalKind, float]
    caps: dict[ChurnSignalKind, float]
    low_csat_max: int = Field(ge=1, le=5)
    repeat_threshold: int = Field(ge=2)
    repeat_window_days: int = Field(gt=0)
    levels: dict[Literal["medium", "high"], float]


class _Bilingual(_Frozen):
    ar: str
    en: str


class _Reply(_Frozen):
    ar: str
    next_ar: str
    en: str
    next_en: str


class _SlaTexts(_Frozen):
    first_response: str
    resolution: str
    warning: str
    breached: str
    escalate_title: str
    escalate_action: str
    warning_action: str


class _ChurnTexts(_Frozen):
    cancellation_words: str
    complaint: str
    low_csat: str
    sla_breach: str
    repeat_tickets: str
    title: str
    action: str
    levels: dict[ChurnLevel, str]


class MessagesFile(_Frozen):
    version: str
    categories: dict[Category, _Bilingual]
    priorities: dict[Priority, str]
    statuses: dict[str, str]
    teams: dict[str, _Bilingual]
    signature: _Bilingual
    replies: dict[Category, _Reply]
    sla: _SlaTexts
    churn: _ChurnTexts
    flags: dict[str, str]
    errors: dict[str, _Bilingual]


@dataclass(frozen=True)
class Catalog:
    classifier: ClassifierFile
    sla: SlaFile
    churn: ChurnFile
    messages: MessagesFile
    digest: str

    def error(self, key: str, **params: object) -> tuple[str, str]:
        text = self.messages.errors[key]
        return text.ar.format(**params), text.en.format(**params)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    digest = hashlib.sha256()
    parsed: dict[str, object] = {}
    for name in ("classifier.yaml", "sla.yaml", "churn.yaml", "messages.yaml"):
        raw = (DATA_DIR / name).read_bytes()
        digest.update(name.encode() + b"\0" + raw)
        parsed[name] = yaml.safe_load(raw)
    return Catalog(
        classifier=ClassifierFile.model_validate(parsed["classifier.yaml"]),
        sla=SlaFile.model_validate(parsed["sla.yaml"]),
        churn=ChurnFile.model_validate(parsed["churn.yaml"]),
        messages=MessagesFile.model_validate(parsed["messages.yaml"]),
        digest=digest.hexdigest()[:16],
    )
