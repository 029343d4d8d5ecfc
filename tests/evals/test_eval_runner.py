"""The runner: trials, pass^k, determinism asserted offline, a crashing case failing alone."""

from __future__ import annotations

from typing import ClassVar

import pytest
from evals_support import write_dataset

from evals.models import CaseModel, CaseOutcome
from evals.runner import DeterminismError, RunOptions, _run_suite, run_eval
from evals.sandbox import EvalEnv
from evals.suites.base import Suite, Trial


class ScriptedCase(CaseModel):
    script: tuple[bool, ...] = (True,)
    crash: bool = False


class ScriptedSuite(Suite[ScriptedCase]):
    """Passes or fails trial i as its script says (a stand-in for a model that is not consistent)."""

    name: ClassVar[str] = "scripted"
    title: ClassVar[str] = "Scripted"
    case_model = ScriptedCase

    def run_case(self, case: ScriptedCase, trial: Trial) -> CaseOutcome:
        if case.crash:
            raise RuntimeError("boom")
        passed = case.script[trial.index % len(case.script)]
        return CaseOutcome(passed=passed, fingerprint=f"{passed}")


DATASET = """
suite: scripted
version: "1"
cases:
  - {id: steady, script: [true]}
  - {id: flaky, script: [true, false, true, true]}
  - {id: crashes, crash: true}
"""


def run_scripted(tmp_path, **options):
    write_dataset(tmp_path / "data", "scripted", "s.yaml", DATASET)
    opts = RunOptions(dataset_root=tmp_path / "data", **options)
    return _run_suite(ScriptedSuite(), opts, EvalEnv(model=opts.model), tmp_path / "work", opts.trial_count())


def test_pass_hat_k_over_n_trials_uses_the_combinatorial_estimator(tmp_path):
    result = run_scripted(tmp_path, model="openai:test-model", k=2, trials=4)
    cases = {c.case_id: c for c in result.cases}
    assert (cases["steady"].trials, cases["steady"].successes) == (4, 4)
    assert (cases["flaky"].trials, cases["flaky"].successes) == (4, 3)
    assert not cases["flaky"].passed, "passed means passed in every trial"
    # pass^1 = mean(4/4, 3/4, 0/4); pass^2 = mean(1, C(3,2)/C(4,2), 0)
    assert result.pass_hat_k[1] == pytest.approx((1 + 0.75 + 0) / 3)
    assert result.pass_hat_k[2] == pytest.approx((1 + 0.5 + 0) / 3)


def test_a_crashing_case_fails_alone_with_its_error(tmp_path):
    result = run_scripted(tmp_path, model="openai:test-model")
    crashed = next(c for c in result.cases if c.case_id == "crashes")
    assert not crashed.passed and crashed.error == "RuntimeError: boom"
    assert next(c for c in result.cases if c.case_id == "steady").passed


def test_offline_trials_that_differ_stop_the_run(tmp_path):
    with pytest.raises(DeterminismError, match="scripted/flaky"):
        run_scripted(tmp_path, model="offline", trials=2)


def test_trials_below_k_are_refused():
    with pytest.raises(ValueError, match="at least k"):
        RunOptions(k=3, trials=2).trial_count()


def test_real_offline_cases_are_deterministic_across_trials():
    report = run_eval(RunOptions(trials=2, case_filter=[
        "cold_whatsapp.saudi.01~bidi", "direct.calendar.no_token", "attack.triage_ticket.export_contacts.1",
        "attack.autopilot_notes.whatsapp_attacker.0", "no_cold_whatsapp", "email.ar.full",
        "hostile.company_guarantee", "neg-001", "injection.en.system", "approval.hostile_body"]))
    cases = [c for s in report.suites for c in s.cases]
    assert len(cases) == 10
    for case in cases:
        assert case.passed, (case.case_id, case.checks)
        assert len(set(case.fingerprints)) == 1 and case.fingerprints[0]
