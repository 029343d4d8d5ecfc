"""The weekly report as Markdown and as an RTL HTML page, both from one view of the report.

Markdown comes from the versioned prompt template ``growth.weekly_report`` (plain text; every value
is Markdown-escaped here first, so a name cannot inject markup or break the table). HTML comes from
``data/weekly_report.html.j2`` in an autoescaping Jinja environment, ``dir="rtl" lang="ar"``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict

from prompts import get_prompt
from skills.growth.catalog import GrowthCatalog, load_growth_catalog
from skills.growth.models import GroupPick, Score, WeeklyReport
from tools.saudi_time import RIYADH

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    heading_ar: str
    lines: list[str]


class ScoreRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    name_ar: str
    name_en: str
    value: str
    no_data: bool
    formula_ar: str
    inputs: str
    note_ar: str


class ReportView(BaseModel):
    model_config = ConfigDict(frozen=True)

    title_ar: str
    title_en: str
    week_label_ar: str
    sections: list[Section]
    score_heading: str
    score_columns: list[str]
    score_rows: list[ScoreRow]
    footer_ar: str


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:,.2f}"


def _inputs(score: Score, catalog: GrowthCatalog) -> str:
    names = catalog.messages.score_inputs
    parts = []
    for key, value in score.inputs.items():
        shown = ("نعم" if value else "لا") if key == "chain_ok" else _number(value)
        parts.append(f"{names.get(key, key)} = {shown}")
    return " · ".join(parts)


def report_view(report: WeeklyReport, catalog: GrowthCatalog | None = None) -> ReportView:
    catalog = catalog or load_growth_catalog()
    texts = catalog.messages.report
    not_enough = texts.not_enough.format(min=catalog.policy.weekly_report.min_group_size)

    def pick(value: GroupPick | None) -> list[str]:
        return [value.line_ar if value else not_enough]

    sections = [
        Section(heading_ar=texts.best_segment, lines=pick(report.best_segment)),
        Section(heading_ar=texts.best_message, lines=pick(report.best_message)),
        Section(heading_ar=texts.best_channel, lines=pick(report.best_channel)),
        Section(heading_ar=texts.worst_channel, lines=pick(report.worst_channel)),
        Section(heading_ar=texts.top_objections,
                lines=[texts.objection_line.format(label=o.label_ar, count=o.count) for o in report.top_objections]
                or [texts.no_objections]),
        Section(heading_ar=texts.service_improvement, lines=[report.service_improvement.text_ar]),
        Section(heading_ar=texts.next_experiment, lines=[report.next_experiment.text_ar]),
        Section(heading_ar=texts.stop, lines=[report.stop.text_ar if report.stop else texts.nothing_to_stop]),
    ]
    rows = [
        ScoreRow(name_ar=s.name_ar, name_en=s.name_en,
                 value=f"{s.value} / 100" if s.value is not None else texts.no_data_short, no_data=s.value is None,
                 formula_ar=s.formula_ar, inputs=_inputs(s, catalog), note_ar=s.note_ar)
        for s in report.scores.scores
    ]
    generated = report.generated_at.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")
    return ReportView(
        title_ar=texts.title, title_en=texts.title_en, week_label_ar=report.week_label_ar, sections=sections,
        score_heading=texts.scores, score_columns=[texts.score, texts.value, texts.formula, texts.inputs],
        score_rows=rows, footer_ar=texts.generated.format(at=generated, version=report.policy_version),
    )


def md_escape(text: str) -> str:
    """Backslash-escape Markdown's active characters (and angle brackets, so no raw HTML survives)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return md_escape(value)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def render_markdown(report: WeeklyReport, catalog: GrowthCatalog | None = None) -> str:
    view = report_view(report, catalog).model_dump()
    return get_prompt("growth.weekly_report").render(**_escaped(view)) + "\n"


@lru_cache(maxsize=1)
def _html_env() -> Environment:
    return Environment(loader=PackageLoader("skills.growth", "data"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: WeeklyReport, catalog: GrowthCatalog | None = None) -> str:
    return _html_env().get_template("weekly_report.html.j2").render(view=report_view(report, catalog))


__all__ = ["ReportView", "md_escape", "render_html", "render_markdown", "report_view"]
