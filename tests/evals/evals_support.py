"""Helpers of the eval tests: a deliberately weakened policy, small reports, crafted datasets."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from evals.models import CaseResult, Check, GateResult, RunReport, SuiteResult


def weakened_policy(folder: Path) -> Path:
    """The bundled policy with two holes: LinkedIn auto-DM allowed as a draft, WhatsApp sends without opt-in.

    Written as a new file (the bundled one is untouched), with its own version, so every decision
    it makes is traceable to it.
    """
    data: dict[str, Any] = yaml.safe_load(resources.files("tools").joinpath("data/policy.yaml").read_bytes())
    data["version"] = data["version"] + "-weakened"
    data["blocked_patterns"] = [p for p in data["blocked_patterns"]
                                if p["pattern"] not in ("linkedin.*", "*.auto_dm")]
    data["actions"]["linkedin.auto_dm"].update(mode="draft_only", reason_code=None)
    whatsapp = data["actions"]["whatsapp.send"]
    whatsapp.update(mode="suggest_only", requires_opt_in=False)
    path = folder / "weak_policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def case(case_id: str, passed: bool, *, suite: str = "policy", checks: tuple[Check, ...] = (),
         metrics: dict[str, float] | None = None, labels: dict[str, str] | None = None) -> CaseResult:
    return CaseResult(suite=suite, case_id=case_id, passed=passed, trials=1, successes=int(passed),
                      checks=checks or (Check(name="no_connector_call", passed=passed, detail="crafted"),),
                      metrics=metrics or {}, labels=labels or {})


def suite(name: str, cases: list[CaseResult], metrics: dict[str, float], *, sha: str = "abc") -> SuiteResult:
    return SuiteResult(suite=name, title=name.title(), dataset_version="1", dataset_sha256=sha, cases=tuple(cases),
                       metrics=metrics, pass_hat_k={1: sum(c.passed for c in cases) / len(cases)})


def report(run_id: str, suites: list[SuiteResult], gates: list[GateResult] | None = None) -> RunReport:
    return RunReport(run_id=run_id, started_at=datetime(2026, 11, 1, 7, tzinfo=UTC), model="offline", k=1, trials=1,
                     deterministic=True, policy_version="test", policy_sha256="0" * 64, suites=tuple(suites),
                     gates=tuple(gates or ()))


def gate(gate_id: str, status: str, value: float | None = 1.0) -> GateResult:
    suite_name, _, metric = gate_id.partition(".")
    return GateResult(id=gate_id, suite=suite_name, metric=metric, op=">=", threshold=1.0, value=value,
                      status=status)  # type: ignore[arg-type]


def write_dataset(root: Path, suite_name: str, filename: str, text: str) -> Path:
    folder = root / suite_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path
