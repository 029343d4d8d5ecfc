"""The proof package's data files, loaded and validated in one place.

``texts.yaml`` (every word shown to a person), ``advice.yaml`` (next action and upgrade rules) and
``assumptions.yaml`` (the revenue estimate's assumptions). A broken file fails loudly at first use,
not halfway through rendering a pack.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.models import Role, RWUType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Frozen):
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class EvidenceTexts(_Frozen):
    intact_ar: str
    intact_en: str
    tampered_ar: str
    tampered_en: str
    readme_ar: str
    readme_en: str
    problems: dict[str, Bilingual]


class ProofTexts(_Frozen):
    version: str
    title_ar: str
    title_en: str
    subtitle_ar: str
    sections: dict[str, str]
    labels: dict[str, str]
    disclaimer_ar: str = Field(min_length=20)
    disclaimer_en: str = Field(min_length=20)
    rwu: dict[RWUType, Bilingual]
    protection: dict[str, str]
    roles: dict[Role, str]
    months_ar: tuple[str, ...] = Field(min_length=12, max_length=12)
    weekdays_ar: tuple[str, ...] = Field(min_length=7, max_length=7)
    evidence: EvidenceTexts

    @model_validator(mode="after")
    def _complete(self) -> ProofTexts:
        missing = [t.value for t in RWUType if t not in self.rwu] + [r.value for r in Role if r not in self.roles]
        if missing or "other" not in self.protection:
            raise ValueError(f"proof texts lack: {missing or ['protection.other']}")
        return self

    def label(self, key: str, **values: object) -> str:
        return self.labels[key].format(**values)

    def protection_label(self, reason_code: str) -> str:
        return self.protection.get(reason_code, self.protection["other"])


class Condition(_Frozen):
    metric: str
    min: float | None = None
    max: float | None = None

    def holds(self, metrics: dict[str, float]) -> bool:
        value = metrics.get(self.metric, 0)
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class AdviceRule(_Frozen):
    id: str
    when: tuple[Condition, ...] = ()
    title_ar: str
    detail_ar: str
    command: str | None = None

    def applies(self, metrics: dict[str, float]) -> bool:
        return all(c.holds(metrics) for c in self.when)


class Advice(_Frozen):
    version: str
    next_actions: tuple[AdviceRule, ...] = Field(min_length=1)
    upgrade_path: tuple[AdviceRule, ...]

    @model_validator(mode="after")
    def _fallback(self) -> Advice:
        if self.next_actions[-1].when:
            raise ValueError("the last next action must apply always (when: []) so a pack always has one")
        return self


class Assumption(_Frozen):
    label_ar: str
    label_en: str
    unit: Literal["ratio", "sar"]
    value: float = Field(ge=0)
    low: float = Field(ge=0)
    high: float = Field(ge=0)
    source_ar: str = Field(min_length=10)
    source_en: str = Field(min_length=10)

    @model_validator(mode="after")
    def _ordered(self) -> Assumption:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"an assumption needs low <= value <= high ({self.label_en})")
        if self.unit == "ratio" and self.high > 1:
            raise ValueError(f"a ratio cannot exceed 1 ({self.label_en})")
        return self


EstimateStage = Literal["payment_link_drafted", "meeting_drafted", "followup_created", "draft_created"]


class Assumptions(_Frozen):
    version: str
    currency: Literal["SAR"] = "SAR"
    assumptions: dict[str, Assumption]
    stages: dict[EstimateStage, tuple[str, ...]]

    @model_validator(mode="after")
    def _known(self) -> Assumptions:
        unknown = sorted({key for chain in self.stages.values() for key in chain} - set(self.assumptions))
        if unknown:
            raise ValueError(f"stages use undefined assumptions: {unknown}")
        return self


def _read(name: str) -> object:
    return yaml.safe_load(resources.files("skills.proof").joinpath(f"data/{name}").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_texts() -> ProofTexts:
    return ProofTexts.model_validate(_read("texts.yaml"))


@lru_cache(maxsize=1)
def load_advice() -> Advice:
    return Advice.model_validate(_read("advice.yaml"))


@lru_cache(maxsize=1)
def default_assumptions() -> Assumptions:
    return Assumptions.model_validate(_read("assumptions.yaml"))


def load_assumptions(path: Path | None = None) -> Assumptions:
    """The bundled assumptions, or a tenant's own file in the same format."""
    if path is None:
        return default_assumptions()
    return Assumptions.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
