"""Chart geometry for the HTML report: plain numbers the template turns into inline SVG.

No chart library and no script: a bar is a rectangle, a trend a polyline, a confusion-matrix cell
a shaded square, so the report opens anywhere, offline, and cannot fetch anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from evals.models import ConfusionMatrix

BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 230
BAR_WIDTH = 320


class Bar(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    value: float
    text: str
    y: int
    width: float
    tone: str


class BarChart(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    bars: tuple[Bar, ...]
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH


def tone(rate: float) -> str:
    return "good" if rate >= 0.999 else "warn" if rate >= 0.9 else "bad"


def bar_chart(title: str, items: Sequence[tuple[str, float, str]]) -> BarChart:
    """``items``: (label, rate in 0..1, text shown after the bar)."""
    bars = tuple(Bar(label=label, value=value, text=text, y=i * (BAR_HEIGHT + BAR_GAP),
                     width=round(max(0.0, min(1.0, value)) * BAR_WIDTH, 1), tone=tone(value))
                 for i, (label, value, text) in enumerate(items))
    return BarChart(title=title, bars=bars, height=max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP))


class Series(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    points: str
    last: float
    color: str


class LineChart(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    width: int
    height: int
    series: tuple[Series, ...]
    x_labels: tuple[tuple[float, str], ...]


_PALETTE = ("#1b7f5b", "#2b59c3", "#b5561b", "#7a3fb0", "#a01f4b", "#4d7a00", "#00707a", "#6b5b00")


def line_chart(title: str, x_labels: Sequence[str], series: dict[str, Sequence[float | None]], *,
               width: int = 560, height: int = 180, pad: int = 30) -> LineChart:
    """Rates (0..1) over runs; a None value (suite not run) breaks nothing, it is skipped."""
    n = max(1, len(x_labels) - 1)
    xs = [pad + i * (width - 2 * pad) / n for i in range(len(x_labels))]
    out = []
    for i, (name, values) in enumerate(sorted(series.items())):
        pts = [f"{xs[j]:.1f},{pad + (1 - v) * (height - 2 * pad):.1f}" for j, v in enumerate(values) if v is not None]
        present = [v for v in values if v is not None]
        if pts:
            out.append(Series(name=name, points=" ".join(pts), last=present[-1], color=_PALETTE[i % len(_PALETTE)]))
    return LineChart(title=title, width=width, height=height, series=tuple(out),
                     x_labels=tuple((round(xs[j], 1), label) for j, label in enumerate(x_labels)))


class Cell(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    shade: float
    diagonal: bool


class MatrixView(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]


def matrix_view(matrix: ConfusionMatrix) -> MatrixView:
    peak = max((c for row in matrix.counts for c in row), default=0) or 1
    rows = tuple((label, tuple(Cell(count=c, shade=round(c / peak, 3), diagonal=matrix.columns[j] == label)
                                for j, c in enumerate(counts)))
                 for label, counts in zip(matrix.rows, matrix.counts, strict=True))
    return MatrixView(name=matrix.name, columns=matrix.columns, rows=rows)
