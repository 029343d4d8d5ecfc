"""The eval suite's contracts: the case every dataset row becomes, and the results a run reports.

    dataset file (YAML / JSONL) ──loader──▶ Case (typed per suite) ──suite.run──▶ CaseOutcome
    runner: k trials per case ──▶ CaseResult (+ pass^k) ──▶ SuiteResult ──▶ RunReport (+ gates)

Every model is frozen; a result is a fact about one run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CaseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:~+-]*$", max_length=160)]


class CaseModel(BaseModel):
    """What every eval case has. Suites subclass it with their own typed fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: CaseId = Field(description="Stable id, unique within the suite; regressions are named by it.")
    description: str = Field(default="", description="What the case checks, for people.")
    tags: tuple[str, ...] = Field(default=(), description="Free labels for filtering and grouping.")

    def expand(self) -> list[Self]:
        """The concrete cases this row stands for (perturbed variants, for example). Default: itself."""
        return [self]


class Check(BaseModel):
    """One named check of one case: what was expected, and what was seen."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Stable check name, e.g. 'no_connector_call'.")
    passed: bool
    detail: str = Field(default="", description="What was observed, without personal data.")


class CaseOutcome(BaseModel):
    """What one trial of one case produced, graded."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    checks: tuple[Check, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict, description="Class labels for per-class results.")
    metrics: dict[str, float] = Field(default_factory=dict, description="Per-case numbers the suite aggregates.")
    expected_label: str | None = Field(default=None, description="For the confusion matrix: the expected class.")
    actual_label: str | None = Field(default=None, description="For the confusion matrix: the observed class.")
    fingerprint: str = Field(default="", description="Digest of the deterministic part of what was observed.")


class CaseResult(BaseModel):
    """One case over all its trials."""

    model_config = ConfigDict(frozen=True)

    suite: str
    case_id: str
    passed: bool = Field(description="Passed in every trial (pass^k at k = trials).")
    trials: int = Field(ge=1)
    successes: int = Field(ge=0)
    checks: tuple[Check, ...] = Field(description="The checks of the first failing trial, else of the first trial.")
    labels: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict, description="Mean over trials.")
    expected_label: str | None = None
    actual_label: str | None = None
    fingerprints: tuple[str, ...] = ()
    error: str | None = Field(default=None, description="An exception a trial raised (the case then fails).")
    duration_ms: float = 0.0

    @property
    def failed_checks(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]


class ConfusionMatrix(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    rows: tuple[str, ...] = Field(description="Expected labels.")
    columns: tuple[str, ...] = Field(description="Observed labels.")
    counts: tuple[tuple[int, ...], ...] = Field(description="counts[row][column]: expected row, observed column.")


class GroupResult(BaseModel):
    """Pass rate of one class of cases (e.g. one unsafe category, one language)."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    value: str
    cases: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.cases if self.cases else 0.0


class SuiteResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    suite: str
    title: str
    status: Literal["ran", "skipped"] = "ran"
    skipped_reason: str | None = None
    dataset_version: str = ""
    dataset_sha256: str = ""
    cases: tuple[CaseResult, ...] = ()
    metrics: dict[str, float] = Field(default_factory=dict)
    groups: tuple[GroupResult, ...] = ()
    confusion: tuple[ConfusionMatrix, ...] = ()
    pass_hat_k: dict[int, float] = Field(default_factory=dict, description="tau-bench pass^k for k = 1..K.")
    duration_s: float = 0.0

    @property
    def pass_rate(self) -> float:
        return sum(1 for c in self.cases if c.passed) / len(self.cases) if self.cases else 0.0


class GateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    suite: str
    metric: str
    op: Literal[">=", "<=", "=="]
    threshold: float
    value: float | None = Field(description="None when the suite or metric was not produced in this run.")
    status: Literal["pass", "fail", "not_run"]
    description: str = ""


class RunReport(BaseModel):
    """Everything one ``dealix eval`` run found: what the JSON report holds."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    run_id: str
    started_at: datetime
    model: str
    k: int = Field(ge=1, description="pass^k is reported up to this k.")
    trials: int = Field(ge=1, description="Trials per case (n >= k).")
    deterministic: bool = Field(description="True for the offline model: identical trials were asserted.")
    policy_version: str
    policy_sha256: str
    suites: tuple[SuiteResult, ...]
    gates: tuple[GateResult, ...] = ()
    duration_s: float = 0.0

    @property
    def gates_passed(self) -> bool:
        return all(g.status != "fail" for g in self.gates)

    def suite(self, name: str) -> SuiteResult | None:
        return next((s for s in self.suites if s.suite == name), None)
