"""Geometry of the model-routing section's chart (plain SVG, no script): per skill, a bar of its calls and one of
its model failures, on one scale. Bars grow with the reading direction: from the right in Arabic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skills.governance.routing import ModelRoutingReport

WIDTH, ROW_H, BAR_H, LABEL_W, MARGIN = 560, 44, 14, 150, 8


@dataclass(frozen=True)
class RouteBar:
    kind: Literal["calls", "failures"]
    x: float
    y: float
    width: float
    value: int


@dataclass(frozen=True)
class RouteRow:
    label: str
    label_x: float
    label_y: float
    anchor: Literal["start", "end"]
    bars: tuple[RouteBar, RouteBar]


@dataclass(frozen=True)
class RoutingChart:
    width: int
    height: int
    bar_height: int
    rows: list[RouteRow]


def routing_chart(report: ModelRoutingReport, lang: Literal["ar", "en"]) -> RoutingChart:
    top = max([s.calls for s in report.skills] + [1])
    plot = WIDTH - LABEL_W - 2 * MARGIN
    rows: list[RouteRow] = []
    for i, s in enumerate(report.skills):
        y = MARGIN + i * ROW_H
        bars = []
        pairs: tuple[tuple[Literal["calls", "failures"], int], ...] = (("calls", s.calls), ("failures", s.failures))
        for j, (kind, value) in enumerate(pairs):
            width = round(plot * value / top, 1)
            x = WIDTH - LABEL_W - MARGIN - width if lang == "ar" else LABEL_W + MARGIN
            bars.append(RouteBar(kind=kind, x=round(x, 1), y=y + j * (BAR_H + 2), width=width, value=value))
        label = s.name_ar if lang == "ar" else s.name_en
        rows.append(RouteRow(label=label, label_x=WIDTH - MARGIN if lang == "ar" else MARGIN, label_y=y + BAR_H + 2,
                             anchor="end" if lang == "ar" else "start", bars=(bars[0], bars[1])))
    return RoutingChart(width=WIDTH, height=MARGIN * 2 + ROW_H * max(len(rows), 1), bar_height=BAR_H, rows=rows)
