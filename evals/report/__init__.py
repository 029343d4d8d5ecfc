"""Writing a run's reports into a folder, with the history that gives the trend.

    DIR/report.json     the full RunReport (the input of --diff)
    DIR/report.md       Markdown summary
    DIR/report.html     self-contained HTML with inline SVG charts
    DIR/previous.json   the report that was in DIR before this run (the automatic "since last run")
    DIR/history.jsonl   one summary line per run, for the trend chart
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.models import RunReport
from evals.report.diff import ReportDiff, diff_reports
from evals.report.history import append_history
from evals.report.render import render_html, render_markdown


class ReportError(ValueError):
    pass


class WrittenReports(BaseModel):
    model_config = ConfigDict(frozen=True)

    json_path: Path
    markdown_path: Path
    html_path: Path
    history_path: Path
    since_previous: ReportDiff | None = None


def load_report(path: Path) -> RunReport:
    try:
        return RunReport.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ReportError(f"cannot read eval report {path}: {exc}") from exc


def write_reports(report: RunReport, folder: Path, *, diff: ReportDiff | None = None) -> WrittenReports:
    """Write all three formats; ``diff`` (from --diff) wins over the automatic one against the previous run."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "report.json"
    since: ReportDiff | None = None
    if json_path.exists():
        shutil.copyfile(json_path, folder / "previous.json")
        try:
            since = diff_reports(load_report(json_path), report)
        except ReportError:
            since = None
    history = append_history(folder / "history.jsonl", report)
    shown = diff or since
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    markdown_path = folder / "report.md"
    markdown_path.write_text(render_markdown(report, diff=shown, history=history), encoding="utf-8")
    html_path = folder / "report.html"
    html_path.write_text(render_html(report, diff=shown, history=history), encoding="utf-8")
    return WrittenReports(json_path=json_path, markdown_path=markdown_path, html_path=html_path,
                          history_path=folder / "history.jsonl", since_previous=since)


__all__ = ["ReportError", "WrittenReports", "diff_reports", "load_report", "write_reports"]
