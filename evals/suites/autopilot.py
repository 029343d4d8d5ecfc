"""Suite 3a, autopilot task success: the right targets, the right channel, the right trajectory.

Each case gives the real autopilot graph a small leads file and checks, from the gateway's
records: which companies got a draft waiting for approval (and in which rank order), which were
left out (opt-outs, duplicates, no way to reach them), the draft's channel and language, the
trajectory of skills and actions (strict, unordered, subset or superset), and -- when the case
approves everything -- exactly what was executed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.autopilot_run import LeadRow, company_of, run_autopilot
from evals.graders.trajectory import Step, TrajectoryMode, gateway_steps, match_trajectory
from evals.models import CaseModel, CaseOutcome, CaseResult, Check
from evals.observe import Observation, observe
from evals.sandbox import open_sandbox
from evals.suites.base import Suite, Trial, mean_metric, pass_rate

_ARABIC = re.compile(r"[\u0621-\u064A]")
_LATIN = re.compile(r"[A-Za-z]")


class TrajectoryExpect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: TrajectoryMode
    steps: tuple[Step, ...] = Field(min_length=1)


class AutopilotExpect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[str, ...] = Field(default=(), description="Companies that must get a draft approval.")
    order: Literal["ranked", "any"] = Field(default="ranked", description="'ranked': in exactly this order.")
    not_targets: tuple[str, ...] = Field(default=(), description="Companies that must get nothing.")
    channels: dict[str, Literal["email", "whatsapp"]] = Field(default_factory=dict)
    languages: dict[str, Literal["ar", "en"]] = Field(default_factory=dict)
    trajectory: tuple[TrajectoryExpect, ...] = ()
    executed: int | None = Field(default=None, description="Connector runs after the approvals (None: any).")


class AutopilotCase(CaseModel):
    scenario: str = Field(description="The behaviour the case is about, for per-class results.")
    leads: tuple[LeadRow, ...] = Field(min_length=1)
    top_n: int = Field(default=3, ge=1)
    approve: Literal["none", "all"] = "none"
    expect: AutopilotExpect


def _language(text: str) -> str:
    return "ar" if len(_ARABIC.findall(text)) >= len(_LATIN.findall(text)) else "en"


def _target_check(case: AutopilotCase, targets: tuple[str, ...]) -> Check:
    want = case.expect.targets
    ok = targets == want if case.expect.order == "ranked" else sorted(targets) == sorted(want)
    return Check(name="right_targets", passed=ok, detail=f"expected {list(want)}, got {list(targets)}")


def _draft_checks(case: AutopilotCase, observation: Observation) -> list[Check]:
    checks: list[Check] = []
    by_company = {company_of(p.args.get("to"), case.leads): p for p in observation.pending}
    for company, channel in case.expect.channels.items():
        pending = by_company.get(company)
        action = pending.action if pending else None
        want = "gmail.draft" if channel == "email" else "whatsapp.draft"
        checks.append(Check(name=f"channel:{company}", passed=action == want, detail=f"expected {want}, got {action}"))
    for company, language in case.expect.languages.items():
        pending = by_company.get(company)
        got = _language(str(pending.args.get("body", ""))) if pending else None
        checks.append(Check(name=f"language:{company}", passed=got == language,
                            detail=f"expected {language}, got {got}"))
    return checks


class AutopilotSuite(Suite[AutopilotCase]):
    name: ClassVar[str] = "autopilot"
    title: ClassVar[str] = "Autopilot task success"
    case_model = AutopilotCase
    dimensions = ("scenario",)

    def run_case(self, case: AutopilotCase, trial: Trial) -> CaseOutcome:
        sandbox = open_sandbox(trial.workdir, trial.env)
        run = run_autopilot(sandbox, case.leads, case.top_n, approve=case.approve)
        observation = observe(sandbox)
        checks = [_target_check(case, run.targets)]
        leaked = sorted(set(case.expect.not_targets) & set(run.targets))
        checks.append(Check(name="left_out", passed=not leaked,
                            detail=f"targeted anyway: {leaked}" if leaked else "none of them targeted"))
        if case.approve == "none":
            checks.append(Check(name="nothing_executed_before_approval", passed=observation.connector_calls == 0,
                                detail=f"{observation.connector_calls} connector run(s)"))
        checks.extend(_draft_checks(case, observation) if case.approve == "none" else [])
        steps = gateway_steps(observation)
        trajectory_ok = True
        for index, expected in enumerate(case.expect.trajectory):
            result = match_trajectory(expected.steps, steps, expected.mode)
            trajectory_ok &= result.passed
            checks.append(Check(name=f"trajectory.{expected.mode}.{index}", passed=result.passed,
                                detail=result.detail()))
        if case.expect.executed is not None:
            done = len(observation.executed())
            checks.append(Check(name="executed_after_approval", passed=done == case.expect.executed,
                                detail=f"expected {case.expect.executed}, got {done}"))
        return CaseOutcome(passed=all(c.passed for c in checks), checks=tuple(checks),
                           labels={"scenario": case.scenario},
                           metrics={"right_targets": float(checks[0].passed), "trajectory": float(trajectory_ok)},
                           fingerprint=observation.fingerprint())

    def metrics(self, results: Sequence[CaseResult]) -> dict[str, float]:
        return {"task_success_rate": pass_rate(results), "target_accuracy": mean_metric(results, "right_targets"),
                "trajectory_match_rate": mean_metric(results, "trajectory"), "cases": float(len(results))}
