"""``dealix growth weekly-report | daily-plan | decide | experiments`` from fresh invocations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from growth_support import MONDAY_10
from typer.testing import CliRunner

from dealix.cli import growth as growth_cli
from dealix.cli.growth import growth_app
from dealix.cli.main import app as main_app
from dealix.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "c" * 32)
    monkeypatch.setattr(growth_cli, "_clock", lambda: MONDAY_10)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_the_growth_group_is_registered_on_the_main_command() -> None:
    result = runner.invoke(main_app, ["growth", "--help"])
    assert result.exit_code == 0 and "weekly-report" in result.stdout and "daily-plan" in result.stdout


def test_weekly_report_prints_markdown_with_no_data_rather_than_numbers() -> None:
    result = runner.invoke(growth_app, ["weekly-report", "--week-of", "2026-11-18"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# تقرير التعلّم الأسبوعي")
    assert "2026-11-15" in result.stdout and "لا توجد بيانات" in result.stdout
    assert "/ 100" not in result.stdout  # an empty ledger shows no score values


def test_weekly_report_writes_rtl_html_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(growth_app, ["weekly-report", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html dir="rtl" lang="ar">' in html
    assert str(out) in result.stdout.replace("\n", "")  # the terminal may wrap a long temporary path


def test_a_bad_week_is_a_usage_error() -> None:
    result = runner.invoke(growth_app, ["weekly-report", "--week-of", "next week"])
    assert result.exit_code == 2


def test_daily_plan_then_decide_each_approval_from_fresh_invocations() -> None:
    started = runner.invoke(growth_app, ["daily-plan", "--demo", "--json", "--tenant", "acme"])
    assert started.exit_code == 0, started.output
    plan = json.loads(started.stdout)
    assert len(plan["steps"]) == 10 and plan["pending"]
    for approval in plan["pending"]:
        decided = runner.invoke(growth_app, ["decide", approval["approval_id"], "approve", "--as", "sales_manager",
                                             "--demo", "--json", "--tenant", "acme"])
        assert decided.exit_code == 0, decided.output
    final = json.loads(decided.stdout)["plan"]
    assert final["status"] == "done" and final["scorecard"]["counts"]["executed"] == len(plan["pending"])
    shown = runner.invoke(growth_app, ["daily-plan", "--show", "latest", "--demo", "--tenant", "acme"])
    assert shown.exit_code == 0 and "التنفيذ (Delivery): 100/100" in shown.stdout
    report = runner.invoke(growth_app, ["weekly-report", "--format", "json", "--tenant", "acme"])
    scores = {s["score_id"]: s["value"] for s in json.loads(report.stdout)["scores"]["scores"]}
    assert scores["delivery"] == 100 and scores["acquisition"] is not None


def test_decide_refuses_a_role_that_may_not_approve_with_an_arabic_reason() -> None:
    plan = json.loads(runner.invoke(growth_app, ["daily-plan", "--demo", "--json"]).stdout)
    result = runner.invoke(growth_app, ["decide", plan["pending"][0]["approval_id"], "approve", "--as", "self_growth",
                                        "--demo"])
    assert result.exit_code == 1 and "دورك" in result.output


def test_decide_rejects_an_unknown_verdict_and_an_edit_without_arguments() -> None:
    assert runner.invoke(growth_app, ["decide", "apr_x", "send"]).exit_code == 2
    assert runner.invoke(growth_app, ["decide", "apr_x", "edit"]).exit_code == 2
    assert runner.invoke(growth_app, ["decide", "apr_x", "edit", "--args", "[1]"]).exit_code == 2


def test_experiments_lists_nothing_politely() -> None:
    result = runner.invoke(growth_app, ["experiments"])
    assert result.exit_code == 0 and "لا توجد تجارب" in result.stdout
