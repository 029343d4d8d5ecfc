"""Diff of two runs: what regressed (named by case id and metric), what improved, what changed.

A case *regressed* when it passed in the previous run and fails now (or disappeared from a suite
that still ran); a metric regressed when it moved the wrong way by more than ``tolerance``
(``targeted_asr`` and the other lower-is-better metrics the other way round); a gate regressed
when it passed before and fails now. Counts (``cases``, ``clean_cases`` ...) are not judged.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from evals.models import RunReport

LOWER_IS_BETTER = frozenset({"targeted_asr", "attack_reached_approval_rate"})
NEUTRAL = frozenset({"cases", "clean_cases", "attack_cases", "attack_attempted_rate"})


class CaseChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    suite: str
    case_id: str
    failed_checks: tuple[str, ...] = ()
    detail: str = ""


class MetricChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    suite: str
    metric: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


class ReportDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    previous_run: str
    current_run: str
    comparable: bool = Field(description="False when a suite ran on a different dataset (hash) than before.")
    notes: tuple[str, ...] = ()
    regressed_cases: tuple[CaseChange, ...] = ()
    fixed_cases: tuple[CaseChange, ...] = ()
    added_cases: tuple[CaseChange, ...] = ()
    removed_cases: tuple[CaseChange, ...] = ()
    regressed_metrics: tuple[MetricChange, ...] = ()
    improved_metrics: tuple[MetricChange, ...] = ()
    regressed_gates: tuple[str, ...] = ()

    @property
    def has_regressions(self) -> bool:
        return bool(self.regressed_cases or self.regressed_metrics or self.regressed_gates)

    def lines(self) -> list[str]:
        """One line per regression, naming it: what CI prints and the tests read."""
        out = [f"regressed case {c.suite}/{c.case_id}: {', '.join(c.failed_checks) or c.detail}"
               for c in self.regressed_cases]
        out += [f"regressed metric {m.suite}.{m.metric}: {m.before:.4f} -> {m.after:.4f}"
                for m in self.regressed_metrics]
        out += [f"regressed gate {g}" for g in self.regressed_gates]
        return out


def _worse(metric: str, before: float, after: float, tolerance: float) -> bool | None:
    """True if worse, False if better, None if unchanged (within tolerance) or not judged."""
    if metric in NEUTRAL or abs(after - before) <= tolerance:
        return None
    return after > before if metric in LOWER_IS_BETTER else after < before


def diff_reports(previous: RunReport, current: RunReport, *, tolerance: float = 1e-9) -> ReportDiff:
    regressed: list[CaseChange] = []
    fixed: list[CaseChange] = []
    added: list[CaseChange] = []
    removed: list[CaseChange] = []
    worse: list[MetricChange] = []
    better: list[MetricChange] = []
    notes: list[str] = []
    comparable = True
    for suite in current.suites:
        before = previous.suite(suite.suite)
        if before is None or before.status != "ran" or suite.status != "ran":
            continue
        if before.dataset_sha256 != suite.dataset_sha256:
            comparable = False
            notes.append(f"{suite.suite}: dataset changed "
                         f"({before.dataset_sha256[:12]} -> {suite.dataset_sha256[:12]})")
        old = {c.case_id: c for c in before.cases}
        new = {c.case_id: c for c in suite.cases}
        for case_id, case in new.items():
            was = old.get(case_id)
            change = CaseChange(suite=suite.suite, case_id=case_id, failed_checks=tuple(case.failed_checks),
                                detail=case.error or "")
            if was is None:
                added.append(change)
            elif was.passed and not case.passed:
                regressed.append(change)
            elif not was.passed and case.passed:
                fixed.append(change)
        for case_id in sorted(set(old) - set(new)):
            removed.append(CaseChange(suite=suite.suite, case_id=case_id, detail="no longer in the run"))
        for metric, after in sorted(suite.metrics.items()):
            if metric not in before.metrics:
                continue
            verdict = _worse(metric, before.metrics[metric], after, tolerance)
            if verdict is not None:
                (worse if verdict else better).append(MetricChange(suite=suite.suite, metric=metric,
                                                                   before=before.metrics[metric], after=after))
    old_gates = {g.id: g.status for g in previous.gates}
    gates = tuple(g.id for g in current.gates if g.status == "fail" and old_gates.get(g.id) == "pass")
    return ReportDiff(previous_run=previous.run_id, current_run=current.run_id, comparable=comparable,
                      notes=tuple(notes), regressed_cases=tuple(regressed), fixed_cases=tuple(fixed),
                      added_cases=tuple(added), removed_cases=tuple(removed), regressed_metrics=tuple(worse),
                      improved_metrics=tuple(better), regressed_gates=gates)
