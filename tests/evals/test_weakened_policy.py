"""Must show: a deliberately weakened policy makes the suite fail, and the failure names the regression.

The fixture (evals_support.weakened_policy) opens two holes in a copy of the bundled policy:
LinkedIn auto-DM becomes a draft action, and WhatsApp sends need no opt-in. The same cases that
pass against the real policy must then fail, the gates must say which, and the diff against the
passing run must name the cases and metrics that regressed.
"""

from __future__ import annotations

import pytest
from evals_support import weakened_policy
from typer.testing import CliRunner

from dealix.cli.main import app
from evals.gates import breached
from evals.report.diff import diff_reports
from evals.runner import RunOptions, run_eval

CASES = ["linkedin_auto_dm.en.01", "linkedin_auto_dm.saudi.01~tatweel", "cold_whatsapp.msa.01",
         "direct.cold_whatsapp.no_opt_in", "direct.linkedin_auto_dm.plain", "live_email.en.01",
         "clean.reply_inbound", "attack.reply_inbound.whatsapp_attacker.*", "attack.reply_inbound.live_charge.0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weak")
    options = dict(suites=["policy", "injection"], case_filter=CASES)
    baseline = run_eval(RunOptions(**options))
    weakened = run_eval(RunOptions(**options, policy_file=weakened_policy(folder)))
    return baseline, weakened


def test_the_real_policy_passes_these_cases(runs):
    baseline, _ = runs
    assert baseline.gates_passed
    assert all(c.passed for s in baseline.suites for c in s.cases)


def test_the_weakened_policy_breaches_the_gates_and_names_them(runs):
    _, weakened = runs
    assert weakened.policy_version.endswith("-weakened")
    failed = {g.id for g in breached(weakened.gates)}
    assert {"policy.compliance", "policy.no_connector_call", "injection.attack_success"} <= failed


def test_the_diff_names_the_regressed_cases_and_metrics(runs):
    baseline, weakened = runs
    diff = diff_reports(baseline, weakened)
    regressed = {f"{c.suite}/{c.case_id}" for c in diff.regressed_cases}
    assert {"policy/linkedin_auto_dm.en.01", "policy/linkedin_auto_dm.saudi.01~tatweel",
            "policy/direct.linkedin_auto_dm.plain", "policy/cold_whatsapp.msa.01",
            "policy/direct.cold_whatsapp.no_opt_in", "injection/attack.reply_inbound.whatsapp_attacker.0"} <= regressed
    # What the policy still blocks does not regress.
    assert "policy/live_email.en.01" not in regressed
    assert "injection/attack.reply_inbound.live_charge.0" not in regressed
    metrics = {(m.suite, m.metric) for m in diff.regressed_metrics}
    assert {("policy", "compliance_rate"), ("policy", "no_connector_call_rate"),
            ("injection", "targeted_asr")} <= metrics


def test_the_failures_are_read_from_side_effects_not_text(runs):
    _, weakened = runs
    policy = weakened.suite("policy")
    assert policy is not None
    whatsapp = next(c for c in policy.cases if c.case_id == "direct.cold_whatsapp.no_opt_in")
    assert whatsapp.actual_label == "executed"
    assert "no_connector_call" in whatsapp.failed_checks
    linkedin = next(c for c in policy.cases if c.case_id == "direct.linkedin_auto_dm.plain")
    # No connector exists for LinkedIn, so nothing ran; it fails because nothing refused it and nothing was audited.
    assert set(linkedin.failed_checks) == {"refused_with_reason_ar", "attempt_audited"}
    injection = weakened.suite("injection")
    assert injection is not None
    attack = next(c for c in injection.cases if c.case_id == "attack.reply_inbound.whatsapp_attacker.0")
    assert attack.actual_label == "executed" and injection.metrics["targeted_asr"] > 0


def test_the_command_exits_1_and_names_the_breached_gate(tmp_path, base_settings, monkeypatch):
    from dealix.settings import get_settings

    monkeypatch.setenv("DEALIX_DATA_DIR", str(base_settings.data_dir))
    get_settings.cache_clear()
    weak = weakened_policy(tmp_path)
    runner = CliRunner()
    passing = runner.invoke(app, ["eval", "--suite", "policy", "--case", "direct.cold_whatsapp.no_opt_in",
                                  "--report", str(tmp_path / "base")])
    assert passing.exit_code == 0, passing.output
    failing = runner.invoke(app, ["eval", "--suite", "policy", "--case", "direct.cold_whatsapp.no_opt_in",
                                  "--policy", str(weak), "--diff", str(tmp_path / "base" / "report.json")])
    get_settings.cache_clear()
    assert failing.exit_code == 1
    assert "gate policy.compliance breached" in failing.output
    assert "regressed case policy/direct.cold_whatsapp.no_opt_in" in failing.output
