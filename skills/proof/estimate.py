"""The revenue impact estimate: recorded work times stated assumptions, never a promise.

Each contact is counted once, at the furthest stage it reached in the period (an invoice draft,
then a meeting, then a follow-up, then a message draft), so one deal is not counted at every
stage. Units without a contact count on their own. A stage's value is its count times the product
of its assumption chain, at the low, likely and high ends; the invoice stage starts from the drafted
invoices' own subtotal (before VAT) when the execution ledger has it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skills.proof.catalog import Assumption, Assumptions, EstimateStage, ProofTexts, load_texts
from skills.proof.ledger import LedgerEntry
from skills.proof.models import AssumptionView, EstimateLine, RevenueEstimate
from tools.models import RWUType

# Furthest stage first.
STAGES: tuple[EstimateStage, ...] = ("payment_link_drafted", "meeting_drafted", "followup_created", "draft_created")
_RANK = {stage: len(STAGES) - i for i, stage in enumerate(STAGES)}
_DEAL_VALUE = "avg_deal_value_sar"
Ends = tuple[float, float, float]


@dataclass
class _Counted:
    stage: EstimateStage
    invoice_sar: list[float | None] = field(default_factory=list)


def money(amount: float) -> str:
    """'12,500' — SAR amounts rounded to whole riyals, with thousands separators."""
    return f"{round(amount):,}"


def percent(ratio: float) -> str:
    """'70%': Western digits with the sign after them, as Saudi business documents write percentages;
    the HTML isolates each such figure left-to-right (``render.figures``) so an RTL line cannot flip it."""
    return f"{ratio * 100:.4g}%"


def _round(amount: float) -> float:
    return float(round(amount, -1))


def assumption_view(key: str, a: Assumption, texts: ProofTexts) -> AssumptionView:
    # A range in words ("من 3% إلى 15%"), not "3%–15%": a dash between two numbers reads backwards once
    # an RTL page lays it out, and a reader cannot tell which end is which.
    if a.unit == "ratio":
        display = f"{percent(a.value)} ({texts.label('span', low=percent(a.low), high=percent(a.high))})"
    else:
        sar = texts.label("sar")
        display = (f"{money(a.value)} {sar} "
                   f"({texts.label('span', low=f'{money(a.low)} {sar}', high=f'{money(a.high)} {sar}')})")
    return AssumptionView(key=key, label_ar=a.label_ar, label_en=a.label_en, unit=a.unit, value=a.value, low=a.low,
                          high=a.high, display_ar=display, source_ar=a.source_ar, source_en=a.source_en)


def invoice_subtotal_sar(result: Mapping[str, Any]) -> float | None:
    halalas = result.get("subtotal_halalas")
    if isinstance(halalas, int | float) and not isinstance(halalas, bool) and math.isfinite(halalas) and halalas >= 0:
        return float(halalas) / 100
    return None


def count_stages(entries: Iterable[LedgerEntry],
                 execution_results: Mapping[str, Mapping[str, Any]]) -> dict[str, _Counted]:
    """Each contact's furthest stage (and its invoices' subtotals); units without a contact alone."""
    counted: dict[str, _Counted] = {}
    for entry in entries:
        if entry.type.value not in _RANK:
            continue
        stage: EstimateStage = entry.type.value
        key = f"contact:{entry.contact_id}" if entry.contact_id else f"unit:{entry.rwu_id}"
        current = counted.get(key)
        if current is None or _RANK[stage] > _RANK[current.stage]:
            current = counted[key] = _Counted(stage=stage)
        if stage == "payment_link_drafted" and current.stage == stage:
            result = execution_results.get(entry.ref or "", {})
            current.invoice_sar.append(invoice_subtotal_sar(result))
    return counted


def estimate(entries: Iterable[LedgerEntry], execution_results: Mapping[str, Mapping[str, Any]],
             assumptions: Assumptions, texts: ProofTexts | None = None) -> RevenueEstimate:
    texts = texts or load_texts()
    counted = count_stages(entries, execution_results)
    lines = []
    for stage in STAGES:
        members = [c for c in counted.values() if c.stage == stage]
        if not members or stage not in assumptions.stages:
            continue
        lines.append(_line(stage, members, assumptions, texts))
    used = {key for line in lines for key in line.assumptions} | (
        {_DEAL_VALUE} if any(line.stage == RWUType.payment_link_drafted for line in lines) else set())
    views = [assumption_view(key, a, texts) for key, a in assumptions.assumptions.items() if key in used or not lines]
    return RevenueEstimate(
        low_sar=_round(sum(line.low_sar for line in lines)),
        likely_sar=_round(sum(line.likely_sar for line in lines)),
        high_sar=_round(sum(line.high_sar for line in lines)),
        lines=lines, assumptions=views, method_ar=texts.label("one_stage_per_contact"),
        disclaimer_ar=texts.disclaimer_ar, disclaimer_en=texts.disclaimer_en,
        assumptions_version=assumptions.version,
    )


def _ends(a: Assumption) -> Ends:
    return a.low, a.value, a.high


def _product(chain: Iterable[Ends]) -> Ends:
    low = likely = high = 1.0
    for lo, mid, hi in chain:
        low, likely, high = low * lo, likely * mid, high * hi
    return low, likely, high


def _line(stage: EstimateStage, members: list[_Counted], assumptions: Assumptions, texts: ProofTexts) -> EstimateLine:
    chain_keys = list(assumptions.stages[stage])
    rate = _product(_ends(assumptions.assumptions[k]) for k in chain_keys)
    label = texts.rwu[RWUType(stage)].ar
    if stage == "payment_link_drafted":
        deal = _ends(assumptions.assumptions[_DEAL_VALUE])
        invoices = [amount for m in members for amount in m.invoice_sar] or [None] * len(members)
        base = tuple(sum(a if a is not None else deal[i] for a in invoices) for i in range(3))
        known = sum(a for a in invoices if a is not None)
        formula = f"{money(base[1])} {texts.label('sar')} × " + " × ".join(
            percent(assumptions.assumptions[k].value) for k in chain_keys)
        return EstimateLine(stage=RWUType(stage), label_ar=label, count=len(members), assumptions=chain_keys,
                            base_sar=known if any(a is not None for a in invoices) else None,
                            low_sar=_round(base[0] * rate[0]), likely_sar=_round(base[1] * rate[1]),
                            high_sar=_round(base[2] * rate[2]), formula_ar=formula)
    count = len(members)
    factors = [money(a.value) + f" {texts.label('sar')}" if a.unit == "sar" else percent(a.value)
               for a in (assumptions.assumptions[k] for k in chain_keys)]
    return EstimateLine(stage=RWUType(stage), label_ar=label, count=count, assumptions=chain_keys,
                        low_sar=_round(count * rate[0]), likely_sar=_round(count * rate[1]),
                        high_sar=_round(count * rate[2]), formula_ar=" × ".join([str(count), *factors]))
