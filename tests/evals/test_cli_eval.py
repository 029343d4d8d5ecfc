"""``dealix eval`` as a user runs it: exit codes, JSON, reports."""

from __future__ import annotations

import json

import pytest
from evals_support import write_dataset
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings


@pytest.fixture
def cli(base_settings, monkeypatch):
    monkeypatch.setenv("DEALIX_DATA_DIR", str(base_settings.data_dir))
    for name in ("DEALIX_LANGFUSE_PUBLIC_KEY", "DEALIX_LANGFUSE_SECRET_KEY", "DEALIX_MODEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_passing_run_exits_0_prints_json_and_writes_reports(cli, tmp_path):
    result = cli.invoke(app, ["eval", "--suite", "drafts", "--case", "email.ar.full", "--json",
                              "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] == "offline" and report["suites"][0]["cases"][0]["passed"]
    assert {p.name for p in (tmp_path / "r").iterdir()} >= {"report.json", "report.md", "report.html", "history.jsonl"}


def test_an_unknown_suite_exits_2(cli):
    result = cli.invoke(app, ["eval", "--suite", "nope"])
    assert result.exit_code == 2
    assert "unknown suite" in result.output


def test_trials_below_k_exit_2(cli):
    assert cli.invoke(app, ["eval", "--suite", "drafts", "--k", "3", "--trials", "2"]).exit_code == 2


def test_a_broken_threshold_file_exits_2(cli, tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("version: 1\ngates: []\n")
    result = cli.invoke(app, ["eval", "--suite", "drafts", "--case", "email.ar.full", "--thresholds", str(bad)])
    assert result.exit_code == 2


def test_a_missing_diff_report_exits_2(cli, tmp_path):
    result = cli.invoke(app, ["eval", "--suite", "drafts", "--diff", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "cannot read eval report" in result.output


def test_an_invalid_dataset_exits_2_and_names_the_problem(cli, tmp_path, monkeypatch):
    write_dataset(tmp_path, "drafts", "x.jsonl", '{"id": "x", "channel": "fax"}')
    monkeypatch.setattr("evals.loader.default_root", lambda: tmp_path)
    result = cli.invoke(app, ["eval", "--suite", "drafts"])
    assert result.exit_code == 2
    assert "drafts/x.jsonl:line 1" in result.output
