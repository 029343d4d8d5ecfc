"""The one loader of the governance data files: SLAs, escalation, thresholds, texts, the compliance matrix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from skills.governance.models import CheckId, ContradictionKind, ControlStatus, Framework, RiskLevel
from tools.models import Role

DATA_DIR = Path(__file__).parent / "data"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatrixCell(_Frozen):
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    risk: RiskLevel


class ContradictionText(_Frozen):
    title: str = Field(min_length=1)
    why: str = Field(min_length=1)
    resolution: str = Field(min_length=1)


Surface = Literal["approvals_sla", "contradictions", "compliance", "executive_room", "connectors", "forecast",
                  "dead_letters", "model_routing"]


class CliTexts(_Frozen):
    approvals: str
    approval_row: str
    breach_mark: str
    swept: str
    contradictions: str
    contradiction_row: str
    none: str
    compliance: str
    control_row: str
    connectors: str
    connector_row: str
    room: str


class Texts(_Frozen):
    role_refused: str
    cli: CliTexts
    sla_title: str
    sla_why_now: str
    sla_recommend: str
    fact_waiting_for: str
    fact_approval: str
    expired_verdict: str
    risk: dict[RiskLevel, str]
    contradiction: dict[ContradictionKind, ContradictionText]
    state: dict[Literal["pending", "executed"], str]


class Thresholds(_Frozen):
    forecast_gap_ratio: float = Field(gt=0, le=1)
    forecast_min_gap_sar: float = Field(ge=0)


class Label(_Frozen):
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class GovernanceFile(_Frozen):
    version: str
    console: dict[str, Label]
    sla_minutes: dict[RiskLevel, int]
    escalation: dict[Role, Role]
    access: dict[Surface, tuple[Role, ...]]
    contradictions: Thresholds
    risk_matrix: dict[ContradictionKind | Literal["approval_sla_breach"], MatrixCell]
    texts: Texts

    def sla_for(self, risk: RiskLevel) -> int:
        return self.sla_minutes[risk]

    def may_open(self, surface: Surface, role: Role) -> bool:
        return role in self.access.get(surface, ())

    def labels(self, lang: Literal["ar", "en"]) -> dict[str, str]:
        return {k: getattr(v, lang) for k, v in self.console.items()}

    def next_role(self, role: Role) -> Role:
        return self.escalation.get(role, Role.ceo)


class FrameworkInfo(_Frozen):
    name_ar: str
    name_en: str


class Control(_Frozen):
    id: str = Field(pattern=r"^DX-[A-Z]+-[A-Z]+$")
    framework: Framework
    reference: str
    requirement_ar: str
    requirement_en: str
    how_ar: str
    how_en: str
    evidence: str
    check: CheckId


class ComplianceFile(_Frozen):
    version: str
    frameworks: dict[Framework, FrameworkInfo]
    controls: tuple[Control, ...]
    status_ar: dict[ControlStatus, str]


def _read(name: str) -> Any:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_governance() -> GovernanceFile:
    return GovernanceFile.model_validate(_read("governance.yaml"))


@lru_cache(maxsize=1)
def load_compliance() -> ComplianceFile:
    return ComplianceFile.model_validate(_read("compliance.yaml"))


# ---------------------------------------------------------------- forecast vs actual (data/forecast.yaml)
class Window(_Frozen):
    back: int = Field(ge=0, le=60)
    ahead: int = Field(ge=0, le=60)


class ForecastTexts(_Frozen):
    summary: Label
    nothing: Label
    won_as_forecast: Label
    slipped: Label
    lost: Label
    won_unforecast: Label
    ledger_vs_book: Label
    open: Label


class ForecastCli(_Frozen):
    header: str
    granularity: dict[Literal["week", "month"], str]
    row: str


class ForecastFile(_Frozen):
    version: str
    window: dict[Literal["week", "month"], Window]
    contradiction_periods: dict[Literal["week", "month"], int]
    actual_source: Label
    forecast_basis: Label
    period_label: dict[Literal["week", "month"], Label]
    state: dict[Literal["closed", "current", "future"], Label]
    explain: ForecastTexts
    referrals_without_deal: Label
    months_en: tuple[str, ...] = Field(min_length=12, max_length=12)
    cli: ForecastCli


@lru_cache(maxsize=1)
def load_forecast() -> ForecastFile:
    return ForecastFile.model_validate(_read("forecast.yaml"))
