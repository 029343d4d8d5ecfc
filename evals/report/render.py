"""Rendering a run: JSON (the model itself), Markdown and one self-contained HTML file.

Both text formats come from Jinja templates in ``evals/report/templates/``. The HTML has its CSS
inline and its charts as inline SVG (:mod:`evals.report.charts`): no script, no font, no URL of
any kind, so it opens offline and cannot leak or fetch anything. Everything from a dataset or a
run (case ids, details, payloads) is escaped by the template engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from evals.models import RunReport, SuiteResult
from evals.report.charts import bar_chart, line_chart, matrix_view
from evals.report.diff import NEUTRAL, ReportDiff
from evals.report.history import HistoryEntry

TREND_RUNS = 20


def _env() -> Environment:
    env = Environment(loader=PackageLoader("evals", "report/templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * float(v):.1f}%"
    env.filters["num"] = lambda v: "—" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    env.filters["zip"] = lambda a, b: list(zip(a, b, strict=True))
    return env


def headline(suite: SuiteResult) -> dict[str, float]:
    return {k: v for k, v in suite.metrics.items() if k not in NEUTRAL and not k.startswith("check.")}


def _context(report: RunReport, diff: ReportDiff | None, history: Sequence[HistoryEntry]) -> dict[str, Any]:
    ran = [s for s in report.suites if s.status == "ran"]
    recent = list(history)[-TREND_RUNS:]
    suites = sorted({name for e in recent for name in e.pass_rates})
    trend = line_chart("Pass rate per suite, recent runs", [e.run_id[:15] for e in recent],
                       {name: [e.pass_rates.get(name) for e in recent] for name in suites}) if len(recent) > 1 else None
    failures = [(s, c) for s in ran for c in s.cases if not c.passed]
    return {
        "report": report, "diff": diff, "ran": ran, "failures": failures, "trend": trend,
        "previous": recent[-2] if len(recent) > 1 else None,
        "headline": {s.suite: headline(s) for s in ran},
        "overview": bar_chart("Pass rate per suite",
                              [(s.title, s.pass_rate, f"{100 * s.pass_rate:.1f}% of {len(s.cases)}") for s in ran]),
        "groups": {s.suite: {dim: bar_chart(dim, [(g.value, g.rate, f"{g.passed}/{g.cases}")
                                                  for g in s.groups if g.dimension == dim])
                             for dim in dict.fromkeys(g.dimension for g in s.groups)} for s in ran},
        "matrices": {s.suite: [matrix_view(m) for m in s.confusion] for s in ran},
        "passk": {s.suite: line_chart("pass^k", [f"k={k}" for k in s.pass_hat_k],
                                      {"pass^k": list(s.pass_hat_k.values())}, width=260, height=140)
                  for s in ran if len(s.pass_hat_k) > 1},
    }


def render_markdown(report: RunReport, *, diff: ReportDiff | None = None,
                    history: Sequence[HistoryEntry] = ()) -> str:
    return _env().get_template("report.md.j2").render(**_context(report, diff, history))


def render_html(report: RunReport, *, diff: ReportDiff | None = None, history: Sequence[HistoryEntry] = ()) -> str:
    return _env().get_template("report.html.j2").render(**_context(report, diff, history))
