"""The gates: thresholds from one file (``evals/thresholds.yaml``), checked against a run's metrics.

A gate fails when its metric misses the threshold, or when it is ``required`` and its suite was
selected but could not run. A gate whose suite was not selected reports ``not_run`` and does not
fail the run (``dealix eval --suite policy`` checks only the policy gates).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.models import GateResult, RunReport


class Gate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+\.[a-z0-9_.]+$")
    suite: str
    metric: str
    op: Literal[">=", "<=", "=="]
    value: float
    required: bool = False
    description: str = ""


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    gates: tuple[Gate, ...] = Field(min_length=1)


class ThresholdsError(ValueError):
    pass


def load_thresholds(path: Path | None = None) -> Thresholds:
    raw = path.read_bytes() if path is not None else \
        resources.files("evals").joinpath("thresholds.yaml").read_bytes()
    try:
        thresholds = Thresholds.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ThresholdsError(f"invalid thresholds file {path or 'evals/thresholds.yaml'}: {exc}") from exc
    ids = [g.id for g in thresholds.gates]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ThresholdsError(f"duplicate gate ids: {', '.join(duplicates)}")
    return thresholds


def _holds(value: float, op: str, threshold: float) -> bool:
    if op == ">=":
        return value >= threshold - 1e-12
    if op == "<=":
        return value <= threshold + 1e-12
    return abs(value - threshold) <= 1e-12


def evaluate_gates(thresholds: Thresholds, report: RunReport) -> list[GateResult]:
    results: list[GateResult] = []
    for gate in thresholds.gates:
        suite = report.suite(gate.suite)
        base = {"id": gate.id, "suite": gate.suite, "metric": gate.metric, "op": gate.op,
                "threshold": gate.value, "description": gate.description}
        if suite is None or suite.status == "skipped" or gate.metric not in suite.metrics or not suite.cases:
            selected_but_missing = suite is not None and gate.required
            results.append(GateResult(**base, value=None, status="fail" if selected_but_missing else "not_run"))
            continue
        value = suite.metrics[gate.metric]
        results.append(GateResult(**base, value=value, status="pass" if _holds(value, gate.op, gate.value) else "fail"))
    return results


def breached(results: list[GateResult] | tuple[GateResult, ...]) -> list[GateResult]:
    return [g for g in results if g.status == "fail"]


def describe_breach(gate: GateResult) -> str:
    seen = "not produced (suite could not run)" if gate.value is None else f"{gate.value:.4f}"
    return f"gate {gate.id} breached: {gate.suite}.{gate.metric} = {seen}, needs {gate.op} {gate.threshold:g}"
