"""The weekly learning report: what worked, what did not, what to try and what to stop.

    outcomes of the week (growth store) ─┐
    ledger facts of the week ────────────┼─▶ best segment / message / channel, worst channel,
    experiments and their analyses ──────┘   top objections, one improvement, next experiment, stop,
                                              and the eight scores

Rates are per lead: a lead is *reached* when its draft was approved (or edited and approved) or
when it answered in any way; it is *positive* when it replied, booked a meeting or raised an
objection (an answer). In a week with no answers recorded yet, the report ranks by the share of
drafts approved without edits instead, and says so. A group needs ``min_group_size`` leads to rank.
Every recommendation comes from a rule below and cites the figures behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, cast, get_args

from skills.growth.calendar import hijri
from skills.growth.catalog import GrowthCatalog, Text, load_growth_catalog
from skills.growth.ledger import LedgerFacts
from skills.growth.models import (
    ExperimentAnalysis,
    ExperimentMetric,
    GroupPick,
    ObjectionClass,
    ObjectionCount,
    OutcomeRecord,
    Recommendation,
    WeeklyReport,
)
from skills.growth.scores import score_card
from skills.targeting.catalog import load_catalog

ANSWERS = frozenset({"replied", "meeting_booked", "objection"})
REACHED = ANSWERS | {"approved", "edited", "no_reply"}
DECIDED = frozenset({"approved", "edited", "rejected"})
Dimension = Literal["segment", "message_id", "channel"]
_OBJECTIONS: frozenset[str] = frozenset(get_args(ObjectionClass))


@dataclass
class _Lead:
    events: set[str] = field(default_factory=set)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Group:
    key: str
    n: int
    positives: int

    @property
    def rate(self) -> float:
        return self.positives / self.n if self.n else 0.0


def _leads(outcomes: Iterable[OutcomeRecord]) -> dict[str, _Lead]:
    leads: dict[str, _Lead] = {}
    for record in sorted(outcomes, key=lambda r: r.occurred_at):
        lead = leads.setdefault(record.lead_id, _Lead())
        lead.events.add(record.event)
        for dimension in ("segment", "message_id", "channel"):
            value = getattr(record, dimension)
            if value:
                lead.attrs.setdefault(dimension, value)
    return leads


def _groups(leads: dict[str, _Lead], dimension: Dimension, metric: ExperimentMetric) -> list[_Group]:
    reached: Counter[str] = Counter()
    positive: Counter[str] = Counter()
    for lead in leads.values():
        key = lead.attrs.get(dimension)
        if key is None:
            continue
        if metric == "reply" and lead.events & REACHED:
            reached[key] += 1
            positive[key] += bool(lead.events & ANSWERS)
        elif metric == "approval" and lead.events & DECIDED:
            reached[key] += 1
            positive[key] += "approved" in lead.events and not lead.events & {"edited", "rejected"}
    return [_Group(key, reached[key], positive[key]) for key in sorted(reached)]


class WeeklyReportBuilder:
    def __init__(self, *, tenant: str, catalog: GrowthCatalog | None = None) -> None:
        self.tenant = tenant
        self.catalog = catalog or load_growth_catalog()
        self.policy = self.catalog.policy.weekly_report
        self.texts = self.catalog.messages

    def build(self, *, week_start: date, outcomes: Sequence[OutcomeRecord], facts: LedgerFacts,
              analyses: Sequence[ExperimentAnalysis], now: datetime) -> WeeklyReport:
        leads = _leads(outcomes)
        answers = any(lead.events & ANSWERS for lead in leads.values())
        metric: ExperimentMetric = "reply" if answers else "approval"
        dimensions: tuple[Dimension, ...] = ("segment", "message_id", "channel")
        eligible = {d: [g for g in _groups(leads, d, metric) if g.n >= self.policy.min_group_size]
                    for d in dimensions}
        best = {d: self._pick(d, max(groups, key=lambda g: (g.rate, g.n, g.key)) if groups else None, metric)
                for d, groups in eligible.items()}
        channels = eligible["channel"]
        worst_group = min(channels, key=lambda g: (g.rate, -g.n, g.key)) if len(channels) >= 2 else None
        if worst_group is not None and best["channel"] is not None and worst_group.key == best["channel"].key:
            worst_group = None
        worst = self._pick("channel", worst_group, metric)
        objections = self._objections(outcomes, facts)
        edits = self._message_edits(leads)
        week_end = week_start + timedelta(days=6)
        return WeeklyReport(
            tenant=self.tenant, week_start=week_start, week_end=week_end,
            week_label_ar=self.texts.report.week.format(start=week_start.isoformat(), end=week_end.isoformat(),
                                                        start_hijri=hijri(week_start), end_hijri=hijri(week_end)),
            generated_at=now, outcomes_counted=len(outcomes), best_segment=best["segment"],
            best_message=best["message_id"], best_channel=best["channel"], worst_channel=worst,
            top_objections=objections,
            service_improvement=self._improvement(objections, edits, worst, best["channel"]),
            next_experiment=self._next_experiment(analyses, best["segment"], best["channel"], worst, objections),
            stop=self._stop(worst, analyses, edits, facts),
            scores=score_card(facts, self.catalog), policy_version=self.catalog.policy.version,
            policy_digest=self.catalog.digest,
        )

    # ------------------------------------------------------------------ picks
    def _label(self, dimension: Dimension, key: str) -> str:
        if dimension == "channel":
            return self.catalog.channel_ar(key)
        if dimension == "segment":
            sector = load_catalog().sectors.sectors.get(key)
            return sector.name_ar if sector else key
        return key

    def _pick(self, dimension: Dimension, group: _Group | None, metric: ExperimentMetric) -> GroupPick | None:
        if group is None:
            return None
        label = self._label(dimension, group.key)
        line = self.texts.report.pick.format(label=label, metric=self.texts.metrics[metric],
                                             rate=_percent(group.rate), positives=group.positives, n=group.n)
        return GroupPick(key=group.key, label_ar=label, metric=metric, n=group.n, positives=group.positives,
                         rate=group.rate, line_ar=line)

    def _objections(self, outcomes: Sequence[OutcomeRecord], facts: LedgerFacts) -> tuple[ObjectionCount, ...]:
        counts: Counter[str] = Counter(r.objection for r in outcomes if r.objection is not None)
        counts.update({k: v for k, v in facts.objections.items() if k in _OBJECTIONS})
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.policy.top_objections]
        return tuple(ObjectionCount(objection=cast(ObjectionClass, k), label_ar=self.texts.objections[
            cast(ObjectionClass, k)], count=v) for k, v in ranked)

    def _message_edits(self, leads: dict[str, _Lead]) -> list[tuple[str, int, int, int]]:
        """(message, decided, edited or rejected, rejected) for messages over the alarm, worst first."""
        decided: Counter[str] = Counter()
        changed: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        for lead in leads.values():
            message = lead.attrs.get("message_id")
            if message is None or not lead.events & DECIDED:
                continue
            decided[message] += 1
            changed[message] += bool(lead.events & {"edited", "rejected"})
            rejected[message] += "rejected" in lead.events
        alarms = [(m, decided[m], changed[m], rejected[m]) for m in decided
                  if decided[m] >= self.policy.min_group_size
                  and changed[m] / decided[m] >= self.policy.edit_rate_alarm]
        return sorted(alarms, key=lambda a: (-a[2] / a[1], a[0]))

    # ------------------------------------------------------------------ recommendations
    def _improvement(self, objections: tuple[ObjectionCount, ...], edits: list[tuple[str, int, int, int]],
                     worst: GroupPick | None, best_channel: GroupPick | None) -> Recommendation:
        improvements = self.texts.improvements
        if objections:
            top = objections[0].objection
            return _rec(f"objection:{top}", improvements.objection[top])
        if edits:
            message, n, changed, _ = edits[0]
            return _rec("message_edits", improvements.message_edits.format(message=message, edited=changed, n=n))
        if worst is not None and best_channel is not None and worst.rate < best_channel.rate:
            return _rec("worst_channel", improvements.worst_channel.format(channel=worst.label_ar,
                                                                           rate=_percent(worst.rate), n=worst.n))
        return _rec("default", improvements.default)

    def _next_experiment(self, analyses: Sequence[ExperimentAnalysis], segment: GroupPick | None,
                         best: GroupPick | None, worst: GroupPick | None,
                         objections: tuple[ObjectionCount, ...]) -> Recommendation:
        texts = self.texts.next_experiment
        for analysis in analyses:
            if analysis.experiment.status == "running" and analysis.verdict == "insufficient_sample":
                return _rec(f"continue:{analysis.experiment.experiment_id}", texts.continue_.format(
                    name=analysis.experiment.name_ar, min=analysis.min_sample_per_variant,
                    smallest=min(v.n for v in analysis.variants)))
        segment_ar = segment.label_ar if segment else texts.default_segment
        if best is not None and worst is not None:
            return _rec("channel", texts.channel.format(segment=segment_ar, best=best.label_ar, worst=worst.label_ar))
        if objections:
            return _rec("objection", texts.objection.format(objection=objections[0].label_ar))
        return _rec("default", texts.default.format(segment=segment_ar))

    def _stop(self, worst: GroupPick | None, analyses: Sequence[ExperimentAnalysis],
              edits: list[tuple[str, int, int, int]], facts: LedgerFacts) -> Recommendation | None:
        texts = self.texts.stop
        if worst is not None and worst.rate <= self.policy.stop_rate_below:
            return _rec(f"channel:{worst.key}", texts.channel.format(channel=worst.label_ar,
                                                                     positives=worst.positives, n=worst.n))
        for analysis in analyses:
            experiment = analysis.experiment
            concluded = experiment.concluded_at
            if experiment.winner is None or concluded is None or not facts.start <= concluded < facts.end:
                continue
            loser = next(v for v in experiment.variants if v.variant_id != experiment.winner)
            winner = next(v for v in experiment.variants if v.variant_id == experiment.winner)
            return _rec(f"loser:{experiment.experiment_id}:{loser.variant_id}", texts.loser.format(
                variant=loser.label_ar, name=experiment.name_ar, winner=winner.label_ar))
        for message, n, _, rejected in edits:
            if rejected / n >= self.policy.edit_rate_alarm:
                return _rec(f"message:{message}", texts.message.format(message=message, edited=rejected, n=n))
        return None


def _rec(kind: str, text: Text) -> Recommendation:
    return Recommendation(kind=kind, text_ar=text.ar, text_en=text.en)


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}٪"


__all__ = ["ANSWERS", "REACHED", "WeeklyReportBuilder"]
