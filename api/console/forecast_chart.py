"""Geometry of the forecast vs actual chart in the governance console: an inline SVG, no script.

Per period a forecast bar and an actual bar on one scale. Time runs with the reading direction: right to
left in Arabic (the oldest period on the right), left to right in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skills.governance.models import ForecastReport


@dataclass(frozen=True)
class Bar:
    kind: Literal["forecast", "actual"]
    x: float
    y: float
    width: float
    height: float
    value: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    top_value: float


CHART_W, CHART_H, PLOT_TOP, PLOT_BOTTOM, MARGIN = 640, 220, 16.0, 184.0, 12.0


def forecast_chart(report: ForecastReport, lang: str) -> Chart:
    """Geometry of the inline SVG: per period a forecast bar and an actual bar on one scale.

    Time runs with the reading direction: right to left in Arabic (the oldest period on the right).
    """
    periods = report.periods
    top = max([p.forecast_sar for p in periods] + [p.actual_sar for p in periods] + [1.0])
    slot = (CHART_W - 2 * MARGIN) / max(len(periods), 1)
    bar_w = slot * 0.36
    bars: list[Bar] = []
    ticks: list[Tick] = []
    for i, p in enumerate(periods):
        position = len(periods) - 1 - i if lang == "ar" else i
        left = MARGIN + position * slot + slot * 0.14
        label = p.label_ar if lang == "ar" else p.label_en
        pair: tuple[tuple[Literal["forecast", "actual"], float], ...] = (("forecast", p.forecast_sar),
                                                                          ("actual", p.actual_sar))
        if lang == "ar":
            pair = pair[::-1]  # the forecast bar first in reading order, on the right
        for j, (kind, value) in enumerate(pair):
            height = (PLOT_BOTTOM - PLOT_TOP) * value / top
            bars.append(Bar(kind=kind, x=round(left + j * bar_w, 1), y=round(PLOT_BOTTOM - height, 1),
                            width=round(bar_w, 1), height=round(height, 1), value=value,
                            title=f"{label}: {value:,.0f}"))
        short = p.key[6:] if p.key.startswith("W") else p.key
        ticks.append(Tick(x=round(MARGIN + position * slot + slot / 2, 1), label=short))
    return Chart(width=CHART_W, height=CHART_H, baseline=PLOT_BOTTOM, bars=bars, ticks=ticks, top_value=top)
