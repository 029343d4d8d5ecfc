"""Growth experiments: variants, stable assignment, results and a verdict a person can trust.

    create ──▶ assign(contact) = hash(experiment id, contact id) → bucket → variant (by weight)
           ──▶ record(contact, success)   (the variant is always the contact's assignment)
           ──▶ analyse: every challenger against the control (z-test or Fisher's exact, Bonferroni)
           ──▶ conclude: the verdict at that moment is kept; no more results are accepted

No winner is called below the minimum sample (per variant) or with too few successes or failures
overall, whatever the p-value says. Creating and concluding an experiment are recorded with the
gateway (``growth.experiment``, suggest-only), so the learning score can count them from the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from skills.growth.catalog import GrowthCatalog, load_growth_catalog
from skills.growth.errors import ContactIdInvalid, ExperimentClosed, ExperimentExists, ExperimentNotFound
from skills.growth.models import (
    Assignment,
    Comparison,
    Experiment,
    ExperimentAnalysis,
    ExperimentCreate,
    ResultRecord,
    VariantStats,
    Verdict,
)
from skills.growth.repository import GrowthRepository
from skills.growth.stats import compare_proportions
from tools.gateway import Gateway
from tools.models import ToolCall

SKILL = "self_growth_operator"


def bucket_of(experiment_id: str, contact_id: str, buckets: int) -> int:
    digest = hashlib.sha256(f"{experiment_id}\0{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def assign(experiment: Experiment, contact_id: str, buckets: int = 10000) -> Assignment:
    """The contact's variant: the same answer in every run and process, shares following the weights."""
    bucket = bucket_of(experiment.experiment_id, contact_id, buckets)
    total = sum(v.weight for v in experiment.variants)
    point = bucket * total // buckets
    upper = 0
    for variant in experiment.variants:
        upper += variant.weight
        if point < upper:
            return Assignment(experiment_id=experiment.experiment_id, contact_id=contact_id,
                              variant_id=variant.variant_id, bucket=bucket)
    raise AssertionError("unreachable: point < total")


def analyse(experiment: Experiment, counts: dict[str, tuple[int, int]], catalog: GrowthCatalog | None = None
            ) -> ExperimentAnalysis:
    """Stats per variant, each challenger against the control, and the verdict (see the module doc)."""
    catalog = catalog or load_growth_catalog()
    policy = catalog.policy.experiments
    stats = tuple(_stats(v.variant_id, v.label_ar, *counts.get(v.variant_id, (0, 0))) for v in experiment.variants)
    minimum = experiment.min_sample_per_variant
    successes = sum(s.successes for s in stats)
    failures = sum(s.n - s.successes for s in stats)
    enough = all(s.n >= minimum for s in stats) and successes >= policy.min_events and failures >= policy.min_events
    challengers = len(stats) - 1
    control = stats[0]
    comparisons: list[Comparison] = []
    for challenger in stats[1:]:
        if control.n == 0 or challenger.n == 0:
            continue
        test = compare_proportions(control.successes, control.n, challenger.successes, challenger.n,
                                   fisher_below_expected=policy.fisher_below_expected)
        p_adjusted = min(1.0, test.p_value * challengers)
        comparisons.append(Comparison(
            variant_id=challenger.variant_id, control_id=control.variant_id, method=test.method,
            statistic=test.statistic, p_value=test.p_value, p_adjusted=p_adjusted, difference=test.difference,
            ci_low=test.ci_low, ci_high=test.ci_high, relative_lift=test.relative_lift, cohens_h=test.cohens_h,
            significant=enough and p_adjusted < policy.alpha,
        ))
    winner, verdict = _verdict(enough, control.variant_id, challengers, comparisons)
    text = _message(verdict, winner, stats, comparisons, minimum, successes, failures, catalog)
    return ExperimentAnalysis(experiment=experiment, variants=stats, comparisons=tuple(comparisons), verdict=verdict,
                              winner=winner, alpha=policy.alpha, min_sample_per_variant=minimum,
                              message_ar=text[0], message_en=text[1])


def _stats(variant_id: str, label_ar: str, n: int, successes: int) -> VariantStats:
    return VariantStats(variant_id=variant_id, label_ar=label_ar, n=n, successes=successes,
                        rate=successes / n if n else None)


def _verdict(enough: bool, control_id: str, challengers: int, comparisons: list[Comparison]
             ) -> tuple[str | None, Verdict]:
    if not enough:
        return None, "insufficient_sample"
    better = [c for c in comparisons if c.significant and c.difference > 0]
    if better:
        return max(better, key=lambda c: (c.difference, c.variant_id)).variant_id, "winner"
    worse = [c for c in comparisons if c.significant and c.difference < 0]
    if challengers and len(worse) == challengers:
        return control_id, "winner"
    return None, "no_difference"


def _message(verdict: Verdict, winner: str | None, stats: tuple[VariantStats, ...], comparisons: list[Comparison],
             minimum: int, successes: int, failures: int, catalog: GrowthCatalog) -> tuple[str, str]:
    texts = catalog.messages.experiments
    if verdict == "insufficient_sample":
        text = texts["insufficient_sample"].format(min=minimum, min_events=catalog.policy.experiments.min_events,
                                                   smallest=min(s.n for s in stats), successes=successes,
                                                   failures=failures)
    elif verdict == "winner":
        label = next(s.label_ar for s in stats if s.variant_id == winner)
        decisive = (next(c for c in comparisons if c.variant_id == winner) if winner != stats[0].variant_id
                    else min(comparisons, key=lambda c: c.p_adjusted))
        sign = 1 if winner != stats[0].variant_id else -1
        text = texts["winner"].format(winner=label, diff=_points(sign * decisive.difference),
                                      ci_low=_points(decisive.ci_low if sign > 0 else -decisive.ci_high),
                                      ci_high=_points(decisive.ci_high if sign > 0 else -decisive.ci_low),
                                      p=f"{decisive.p_adjusted:.4f}")
    else:
        smallest_p = min((c.p_adjusted for c in comparisons), default=1.0)
        text = texts["no_difference"].format(n=sum(s.n for s in stats), p=f"{smallest_p:.4f}")
    return text.ar, text.en


def _points(share: float) -> str:
    return f"{share * 100:.1f}"


class ExperimentService:
    """Experiments of one tenant, persisted in the growth store; lifecycle events go through the gateway."""

    def __init__(self, repository: GrowthRepository, gateway: Gateway, *, tenant: str,
                 clock: Callable[[], datetime], catalog: GrowthCatalog | None = None) -> None:
        self.repository, self.gateway, self.tenant, self.clock = repository, gateway, tenant, clock
        self.catalog = catalog or load_growth_catalog()

    def create(self, spec: ExperimentCreate) -> Experiment:
        minimum = spec.min_sample_per_variant or self.catalog.policy.experiments.min_sample_per_variant
        experiment = Experiment(
            tenant=self.tenant, experiment_id=spec.experiment_id, name_ar=spec.name_ar, kind=spec.kind,
            metric=spec.metric, variants=spec.variants, status="running", created_at=self.clock(),
            min_sample_per_variant=minimum,
        )
        if not self.repository.add_experiment(experiment):
            raise ExperimentExists()
        self._record("created", experiment, {"variants": [v.variant_id for v in experiment.variants],
                                             "kind": experiment.kind, "metric": experiment.metric})
        return experiment

    def get(self, experiment_id: str) -> Experiment:
        experiment = self.repository.experiment(self.tenant, experiment_id)
        if experiment is None:
            raise ExperimentNotFound()
        return experiment

    def experiments(self) -> list[Experiment]:
        return self.repository.experiments(self.tenant)

    def assign(self, experiment_id: str, contact_id: str) -> Assignment:
        try:
            ResultRecord(contact_id=contact_id, success=False)  # the same id rules as a result
        except ValidationError as error:
            raise ContactIdInvalid() from error
        return assign(self.get(experiment_id), contact_id, self.catalog.policy.experiments.assignment_buckets)

    def record(self, experiment_id: str, results: list[ResultRecord]) -> ExperimentAnalysis:
        experiment = self.get(experiment_id)
        if experiment.status != "running":
            raise ExperimentClosed()
        buckets = self.catalog.policy.experiments.assignment_buckets
        now = self.clock()
        for result in results:
            variant = assign(experiment, result.contact_id, buckets).variant_id
            self.repository.record_result(self.tenant, experiment_id, result.contact_id, variant, result.success, now)
        return self.analyse(experiment_id)

    def analyse(self, experiment_id: str) -> ExperimentAnalysis:
        experiment = self.get(experiment_id)
        return analyse(experiment, self.repository.result_counts(self.tenant, experiment_id), self.catalog)

    def conclude(self, experiment_id: str) -> ExperimentAnalysis:
        """Close the experiment with the verdict it has now (a winner only if the analysis calls one)."""
        analysis = self.analyse(experiment_id)
        experiment = analysis.experiment
        if experiment.status != "running":
            raise ExperimentClosed()
        closed = experiment.model_copy(update={"status": "concluded", "concluded_at": self.clock(),
                                               "winner": analysis.winner})
        self.repository.save_experiment(closed)
        best_p = min((c.p_adjusted for c in analysis.comparisons), default=None)
        self._record("concluded", closed, {"verdict": analysis.verdict, "winner": analysis.winner,
                                           "p_adjusted": best_p, "n": sum(v.n for v in analysis.variants)})
        return analysis.model_copy(update={"experiment": closed})

    def _record(self, event: str, experiment: Experiment, detail: dict[str, object]) -> None:
        self.gateway.invoke(ToolCall(
            tenant=self.tenant, skill=SKILL, action="growth.experiment",
            thread_id=f"experiment:{experiment.experiment_id}", tool_call_id=f"{experiment.experiment_id}:{event}",
            args={"experiment_id": experiment.experiment_id, "event": event, **detail},
        ))


__all__ = ["SKILL", "ExperimentService", "analyse", "assign", "bucket_of"]
