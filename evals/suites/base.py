"""What every suite is: a typed dataset, a way to run one case, and how its results add up.

A suite runs one case in one :class:`Trial` (a fresh work dir, the run's model and policy) and
returns a graded :class:`~evals.models.CaseOutcome`. The runner repeats trials, and asks the
suite for its aggregate metrics, per-class groups and confusion matrices.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from evals.loader import CasesFile, Dataset, DatasetFile, load_dataset
from evals.models import CaseModel, CaseOutcome, CaseResult, ConfusionMatrix, GroupResult
from evals.sandbox import EvalEnv

C = TypeVar("C", bound=CaseModel)


@dataclass(frozen=True)
class Trial:
    """One attempt at one case."""

    env: EvalEnv
    workdir: Path
    index: int = 0


class Suite(ABC, Generic[C]):
    name: ClassVar[str]
    title: ClassVar[str]
    case_model: ClassVar[type[CaseModel]]
    file_model: ClassVar[type[DatasetFile]] = CasesFile
    #: Label names results are grouped by in the reports (per-class results).
    dimensions: ClassVar[tuple[str, ...]] = ()
    #: Order of labels in the confusion matrix; labels seen but not listed are appended.
    confusion_labels: ClassVar[tuple[str, ...]] = ()
    #: Whether this suite's outcome depends on the model (and so is worth k trials).
    model_backed: ClassVar[bool] = True

    def unavailable(self) -> str | None:
        """Why this suite cannot run in this checkout (a module it needs is missing), or None."""
        return None

    def load(self, root: Path | Traversable | None = None) -> Dataset[C]:
        file_model = self.file_model
        if file_model is CasesFile:
            file_model = CasesFile[self.case_model]  # type: ignore[name-defined]
        return load_dataset(self.name, file_model, self.case_model, root=root)  # type: ignore[arg-type]

    @abstractmethod
    def run_case(self, case: C, trial: Trial) -> CaseOutcome:
        """Run one case once, in ``trial.workdir``, and grade it."""

    def metrics(self, results: Sequence[CaseResult]) -> dict[str, float]:
        return {"pass_rate": pass_rate(results), "cases": float(len(results))}

    def groups(self, results: Sequence[CaseResult]) -> list[GroupResult]:
        found: list[GroupResult] = []
        for dimension in self.dimensions:
            totals: Counter[str] = Counter()
            passed: Counter[str] = Counter()
            for result in results:
                value = result.labels.get(dimension)
                if value is None:
                    continue
                totals[value] += 1
                passed[value] += int(result.passed)
            found.extend(GroupResult(dimension=dimension, value=v, cases=totals[v], passed=passed[v])
                         for v in sorted(totals))
        return found

    def confusion(self, results: Sequence[CaseResult]) -> list[ConfusionMatrix]:
        pairs = [(r.expected_label, r.actual_label) for r in results
                 if r.expected_label is not None and r.actual_label is not None]
        if not pairs:
            return []
        return [confusion_matrix(self.name, pairs, self.confusion_labels)]


def pass_rate(results: Sequence[CaseResult]) -> float:
    return sum(1 for r in results if r.passed) / len(results) if results else 0.0


def mean_metric(results: Sequence[CaseResult], name: str) -> float:
    values = [r.metrics[name] for r in results if name in r.metrics]
    return sum(values) / len(values) if values else 0.0


def confusion_matrix(name: str, pairs: Sequence[tuple[str | None, str | None]],
                     order: Sequence[str] = ()) -> ConfusionMatrix:
    """Rows: the expected labels seen. Columns: ``order``, then any other observed label.

    When expected and observed labels share a vocabulary (a classifier), expected labels that were
    never predicted get a column too, so the diagonal reads as the hits.
    """
    expected = {str(e) for e, _ in pairs}
    observed = {str(a) for _, a in pairs}
    known = set(order)
    columns = [*order, *sorted(observed - known)]
    if not expected.isdisjoint(observed | known):
        columns += sorted(expected - set(columns))
    rows = [c for c in columns if c in expected] + sorted(expected - set(columns))
    col = {label: i for i, label in enumerate(columns)}
    row = {label: i for i, label in enumerate(rows)}
    counts = [[0] * len(columns) for _ in rows]
    for e, a in pairs:
        counts[row[str(e)]][col[str(a)]] += 1
    return ConfusionMatrix(name=name, rows=tuple(rows), columns=tuple(columns),
                           counts=tuple(tuple(r) for r in counts))
