"""The next recommended action and the upgrade path: the advice rules (data) applied to the
period's metrics. The first next-action rule that applies wins; every upgrade step that applies is
shown, at most three."""

from __future__ import annotations

from collections.abc import Mapping

from skills.proof.catalog import Advice as AdviceRules
from skills.proof.catalog import AdviceRule, load_advice
from skills.proof.models import Advice

MAX_UPGRADE_STEPS = 3


class _Values(dict[str, str]):
    """Template values; an unknown placeholder stays visible instead of failing the whole pack."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(rule: AdviceRule, values: Mapping[str, object]) -> Advice:
    filled = _Values({k: str(v) for k, v in values.items()})
    return Advice(rule_id=rule.id, title_ar=rule.title_ar.format_map(filled),
                  detail_ar=rule.detail_ar.format_map(filled), command=rule.command)


def _display(metrics: Mapping[str, float]) -> dict[str, object]:
    return {k: int(v) if float(v).is_integer() else v for k, v in metrics.items()}


def next_action(metrics: Mapping[str, float], *, next_expiry: str = "-",
                rules: AdviceRules | None = None) -> Advice:
    rules = rules or load_advice()
    values = {**_display(metrics), "next_expiry": next_expiry}
    for rule in rules.next_actions:
        if rule.applies(dict(metrics)):
            return _render(rule, values)
    return _render(rules.next_actions[-1], values)  # unreachable: the last rule always applies


def upgrade_path(metrics: Mapping[str, float], *, rules: AdviceRules | None = None) -> list[Advice]:
    rules = rules or load_advice()
    values = _display(metrics)
    steps = [_render(rule, values) for rule in rules.upgrade_path if rule.applies(dict(metrics))]
    return steps[:MAX_UPGRADE_STEPS]
