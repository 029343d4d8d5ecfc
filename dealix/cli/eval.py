"""``dealix eval``: run the agent eval suites, write reports, enforce the gates.

Exit codes: 0 all gates hold (and, with --diff, nothing regressed); 1 a gate was breached or
--diff found a regression (each named on stderr); 2 the run could not be judged (an invalid
dataset or thresholds file, an unknown suite, a model setting that does not work, or an offline
case that was not deterministic).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dealix.cli.output import print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_masker
from evals.gates import ThresholdsError, breached, describe_breach
from evals.langfuse_push import build_langfuse_client, push_run
from evals.loader import DatasetError
from evals.models import RunReport
from evals.report import ReportError, load_report, write_reports
from evals.report.diff import ReportDiff, diff_reports
from evals.runner import DeterminismError, RunOptions, UnknownSuite, run_eval, select_suites
from tools.errors import GatewayError


def _stderr() -> Console:
    return Console(stderr=True)


def _progress(suite: str, case_id: str, passed: bool) -> None:
    if not passed:
        _stderr().print(f"  fail {suite}/{case_id}", markup=False, highlight=False)


def _show(report: RunReport) -> None:
    console = stdout()
    table = Table(title=f"Dealix eval {report.run_id} · model {report.model} · {report.duration_s:.1f} s")
    for column in ("suite", "cases", "pass rate", "metrics", "pass^k"):
        table.add_column(column)
    for suite in report.suites:
        if suite.status != "ran":
            table.add_row(suite.suite, "-", "skipped", suite.skipped_reason or "", "")
            continue
        metrics = ", ".join(f"{k} {v:.3g}" for k, v in suite.metrics.items() if not k.startswith("check."))
        passk = ", ".join(f"^{k} {v:.3f}" for k, v in suite.pass_hat_k.items())
        table.add_row(suite.suite, str(len(suite.cases)), f"{100 * suite.pass_rate:.1f}%", metrics, passk)
    console.print(table)
    gates = Table(title="gates (evals/thresholds.yaml)")
    for column in ("gate", "value", "threshold", "status"):
        gates.add_column(column)
    for gate in report.gates:
        value = "-" if gate.value is None else f"{gate.value:.4g}"
        gates.add_row(gate.id, value, f"{gate.op} {gate.threshold:g}", gate.status)
    console.print(gates)


def eval_command(
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Suite to run (repeatable); default: all.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="offline | openai:MODEL (default DEALIX_MODEL).")] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="Report pass^1..pass^k (tau-bench).")] = 1,
    trials: Annotated[int | None, typer.Option("--trials", min=1, help="Trials per case (>= k; default k).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    report_dir: Annotated[Path | None, typer.Option("--report", help="Write report.json/.md/.html here.")] = None,
    diff: Annotated[Path | None, typer.Option("--diff", help="A previous report.json: name what regressed.")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only matching case ids (glob; repeatable).")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Evaluate against this policy file.")] = None,
    thresholds: Annotated[Path | None, typer.Option("--thresholds", help="Another thresholds file.")] = None,
) -> None:
    """Run the agent eval suites (offline by default), write reports and enforce the gates."""
    settings = get_settings()
    options = RunOptions(suites=suite, model=model or settings.model, k=k, trials=trials, policy_file=policy,
                         thresholds_file=thresholds, case_filter=case, base_settings=settings,
                         progress=None if json_out else _progress)
    previous = None
    try:
        options.trial_count()
        if diff is not None:
            previous = load_report(diff)
        report = run_eval(options)
    except (DatasetError, ThresholdsError, UnknownSuite, DeterminismError, ReportError, ValueError,
            GatewayError) as exc:
        message = exc.message_en if isinstance(exc, GatewayError) else str(exc)
        _stderr().print(f"dealix eval: {message}", markup=False, highlight=False)
        raise typer.Exit(code=2) from exc
    changes: ReportDiff | None = diff_reports(previous, report) if previous is not None else None
    if report_dir is not None:
        written = write_reports(report, report_dir, diff=changes)
        _stderr().print(f"reports: {written.html_path} {written.markdown_path} {written.json_path}",
                        markup=False, highlight=False)
    if settings.langfuse_public_key is not None and settings.langfuse_secret_key is not None:
        masker = build_masker(settings)
        client = build_langfuse_client(settings, masker)
        if client is not None:
            push_run(client, report, select_suites(suite), masker)
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        _show(report)
    problems = [describe_breach(g) for g in breached(report.gates)]
    problems += changes.lines() if changes is not None else []
    for line in problems:
        _stderr().print(line, markup=False, highlight=False)
    if problems:
        raise typer.Exit(code=1)
