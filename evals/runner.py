"""Runs suites: every case in a fresh sandbox, n trials each, then pass^k, metrics and gates.

Offline runs are deterministic, and the runner asserts it: with more than one trial, every trial
of a case must leave the same fingerprint (same ledger, outbox, audit decisions and approvals),
or the run stops with :class:`DeterminismError` naming the case. Model-backed runs are not
expected to repeat themselves; their consistency is what pass^k measures.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from dealix.settings import Settings
from evals.gates import evaluate_gates, load_thresholds
from evals.models import CaseOutcome, CaseResult, Check, RunReport, SuiteResult
from evals.passk import curve
from evals.sandbox import EvalEnv
from evals.suites import Suite, all_suites
from evals.suites.base import Trial
from tools.policy import load_policy

Progress = Callable[[str, str, bool], None]


class DeterminismError(Exception):
    """Two trials of an offline case did different things."""


class UnknownSuite(ValueError):
    pass


@dataclass
class RunOptions:
    suites: Sequence[str] | None = None
    model: str = "offline"
    k: int = 1
    trials: int | None = None
    policy_file: Path | None = None
    dataset_root: Path | Traversable | None = None
    thresholds_file: Path | None = None
    case_filter: Sequence[str] | None = None
    base_settings: Settings | None = None
    workdir: Path | None = None
    progress: Progress | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return self.model.strip() == "offline"

    def trial_count(self) -> int:
        n = self.trials or self.k
        if n < self.k:
            raise ValueError(f"trials ({n}) must be at least k ({self.k})")
        return n


def select_suites(names: Sequence[str] | None) -> list[Suite[Any]]:
    suites = all_suites()
    if not names:
        return suites
    known = {s.name: s for s in suites}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSuite(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def run_eval(options: RunOptions) -> RunReport:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    n = options.trial_count()
    env = EvalEnv(model=options.model, policy_file=options.policy_file, base=options.base_settings or Settings())
    policy = load_policy(options.policy_file)
    owned = options.workdir is None
    root = Path(tempfile.mkdtemp(prefix="dealix-eval-", dir=_scratch())) if owned else options.workdir
    assert root is not None
    try:
        results = [_run_suite(suite, options, env, root, n) for suite in select_suites(options.suites)]
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)
    report = RunReport(
        run_id=f"{started.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}", started_at=started,
        model=options.model, k=options.k, trials=n, deterministic=options.offline, policy_version=policy.version,
        policy_sha256=policy.hash, suites=tuple(results), duration_s=round(time.perf_counter() - clock, 3))
    gates = evaluate_gates(load_thresholds(options.thresholds_file), report)
    return report.model_copy(update={"gates": tuple(gates)})


def _run_suite(suite: Suite[Any], options: RunOptions, env: EvalEnv, root: Path, n: int) -> SuiteResult:
    reason = suite.unavailable()
    if reason is not None:
        return SuiteResult(suite=suite.name, title=suite.title, status="skipped", skipped_reason=reason)
    clock = time.perf_counter()
    dataset = suite.load(options.dataset_root)
    globs = list(options.case_filter or [])
    cases = [c for c in dataset.cases if not globs or any(fnmatch.fnmatch(c.id, g) for g in globs)]
    # Offline, every suite repeats (to prove determinism); with a model, only suites the model affects.
    trials = n if options.offline or suite.model_backed else 1
    results = [_run_case(suite, case, env, root / suite.name, trials, options) for case in cases]
    return SuiteResult(
        suite=suite.name, title=suite.title, dataset_version=dataset.version, dataset_sha256=dataset.sha256,
        cases=tuple(results), metrics=suite.metrics(results), groups=tuple(suite.groups(results)),
        confusion=tuple(suite.confusion(results)),
        pass_hat_k=curve([(r.trials, r.successes) for r in results], min(options.k, trials)) if results else {},
        duration_s=round(time.perf_counter() - clock, 3))


def _run_case(suite: Suite[Any], case: Any, env: EvalEnv, folder: Path, trials: int,
              options: RunOptions) -> CaseResult:
    clock = time.perf_counter()
    outcomes: list[CaseOutcome] = []
    error: str | None = None
    for index in range(trials):
        workdir = folder / _safe(case.id) / str(index)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        try:
            outcomes.append(suite.run_case(case, Trial(env=env, workdir=workdir, index=index)))
        except DeterminismError:
            raise
        except Exception as exc:  # a crash in one case fails that case, and the run goes on
            error = f"{type(exc).__name__}: {exc}"
            outcomes.append(CaseOutcome(passed=False, checks=(Check(name="ran", passed=False, detail=error),)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if options.offline and trials > 1:
        prints = {o.fingerprint for o in outcomes if o.fingerprint}
        verdicts = {o.passed for o in outcomes}
        if len(prints) > 1 or len(verdicts) > 1:
            raise DeterminismError(f"offline case {suite.name}/{case.id} differed between trials")
    first_failure = next((o for o in outcomes if not o.passed), outcomes[0])
    successes = sum(1 for o in outcomes if o.passed)
    metric_names = sorted({m for o in outcomes for m in o.metrics})
    result = CaseResult(
        suite=suite.name, case_id=case.id, passed=successes == trials, trials=trials, successes=successes,
        checks=first_failure.checks, labels=first_failure.labels,
        metrics={m: sum(o.metrics.get(m, 0.0) for o in outcomes) / trials for m in metric_names},
        expected_label=first_failure.expected_label, actual_label=first_failure.actual_label,
        fingerprints=tuple(o.fingerprint for o in outcomes), error=error,
        duration_ms=round((time.perf_counter() - clock) * 1000, 2))
    if options.progress is not None:
        options.progress(suite.name, case.id, result.passed)
    return result


def _scratch() -> str | None:
    """A memory-backed temp folder when the machine has one: sandboxes are thrown away, so their
    SQLite files gain nothing from a disk, and every fsync on one costs time."""
    shm = Path("/dev/shm")  # noqa: S108 - only a parent: mkdtemp makes a private (0700) folder in it
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _safe(case_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in case_id)[:120]
