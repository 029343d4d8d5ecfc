"""The eight scores, 0-100, each from the ledger facts of a window with its formula and inputs.

The formulas are stated in ``data/growth.yaml`` (``scores``) and in ``docs/growth.md``; this module
implements exactly those. A score whose inputs are all absent is ``no_data`` (value None), never a
made-up number. Values are rounded half up to an integer. When the audit chain fails verification,
Proof and Safety are 0: figures from a ledger that has been tampered with prove nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from skills.growth.catalog import GrowthCatalog, ScoreSpec, load_growth_catalog
from skills.growth.ledger import LedgerFacts
from skills.growth.models import SCORE_IDS, Score, Scorecard, ScoreId
from tools.models import RWUType

Inputs = dict[str, float]
Computed = tuple[float | None, Inputs]


def half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _ratio(part: float, whole: float) -> float:
    return min(1.0, part / whole) if whole > 0 else 0.0


def _weighted(parts: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the parts that have data; None when none has."""
    present = {k: v for k, v in parts.items() if v is not None}
    total = sum(weights[k] for k in present)
    if not present or total <= 0:
        return None
    return sum(weights[k] * v for k, v in present.items()) / total


def acquisition(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    goal = spec.goal or 1
    drafts, opportunities = f.units[RWUType.draft_created.value], f.units[RWUType.opportunity_created.value]
    ranked = f.count(RWUType.target_ranked, "targeting.rank")
    inputs = {"target_ranked": ranked, "draft_created": drafts, "opportunity_created": opportunities, "goal": goal}
    if ranked + drafts + opportunities == 0:
        return None, inputs
    return 100 * _ratio(drafts + opportunities, goal), inputs


def delivery(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    executed, failed = f.kinds["executed"], f.kinds["execution_failed"]
    in_doubt, expired = f.kinds["execution_in_doubt"], f.kinds["approval_expired"]
    inputs: Inputs = {"executed": executed, "failed": failed, "in_doubt": in_doubt, "approvals_expired": expired}
    denominator = executed + failed + in_doubt + expired
    return (100 * executed / denominator if denominator else None), inputs


def proof(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    packs = f.count(RWUType.proof_generated, "proof.pack_build")
    goal = spec.packs_goal or 1
    inputs = {"chain_ok": float(f.chain_ok), "units": f.total_units, "linked_units": f.linked_units,
              "proof_packs": packs, "packs_goal": goal}
    if f.total_units == 0 and packs == 0:
        return None, inputs
    if not f.chain_ok:
        return 0.0, inputs
    linked = f.linked_units / f.total_units if f.total_units else None
    value = _weighted({"linked": linked, "packs": _ratio(packs, goal)}, spec.weights)
    return (None if value is None else 100 * value), inputs


def safety(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    refused, role_refused = f.kinds["execution_refused"], f.kinds["approval_refused"]
    inputs = {"chain_ok": float(f.chain_ok), "decisions": f.decisions, "blocked": f.blocked,
              "refused_at_execution": refused, "role_refused": role_refused}
    attempts = f.decisions + refused + role_refused
    if attempts == 0:
        return None, inputs
    if not f.chain_ok:
        return 0.0, inputs
    return 100 * (1 - (f.blocked + refused + role_refused) / attempts), inputs


def revenue(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    goal = spec.goal_sar or 1
    invoices = f.units[RWUType.payment_link_drafted.value]
    inputs = {"value_sar": round(f.value_sar, 2), "valued_units": f.valued_units, "payment_link_drafted": invoices,
              "goal_sar": goal}
    if f.valued_units == 0 and invoices == 0:
        return None, inputs
    return 100 * _ratio(f.value_sar, goal), inputs


def customer_success(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    resolved = f.count(RWUType.support_ticket_resolved, "support.ticket_resolve")
    worked = f.tickets_worked
    inputs: Inputs = {"tickets_worked": worked, "tickets_resolved": resolved}
    if worked == 0 and resolved == 0:
        return None, inputs
    return 100 * _ratio(resolved, max(worked, resolved)), inputs


def partner(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    goal = spec.goal or 1
    suggested = f.count(RWUType.partner_suggested, "partner.suggest")
    drafts = f.executed_by_skill["partner_strategist"]
    inputs = {"partner_suggested": suggested, "partner_drafts": drafts, "goal": goal}
    if suggested + drafts == 0:
        return None, inputs
    return 100 * _ratio(suggested + drafts, goal), inputs


def learning(f: LedgerFacts, spec: ScoreSpec) -> Computed:
    goal = spec.experiments_goal or 1
    concluded = f.experiments["concluded"]
    approved, edited, rejected = f.kinds["approval_approved"], f.kinds["approval_edited"], f.kinds["approval_rejected"]
    decided = approved + edited + rejected
    inputs = {"experiments_concluded": concluded, "experiments_goal": goal, "approved_unedited": approved,
              "approvals_decided": decided}
    value = _weighted({"experiments": _ratio(concluded, goal) if sum(f.experiments.values()) else None,
                       "first_time_right": approved / decided if decided else None}, spec.weights)
    return (None if value is None else 100 * value), inputs


FORMULAS: dict[ScoreId, Callable[[LedgerFacts, ScoreSpec], Computed]] = {
    "acquisition": acquisition, "delivery": delivery, "proof": proof, "safety": safety, "revenue": revenue,
    "customer_success": customer_success, "partner": partner, "learning": learning,
}


def score_card(facts: LedgerFacts, catalog: GrowthCatalog | None = None) -> Scorecard:
    catalog = catalog or load_growth_catalog()
    messages = catalog.messages
    scores = []
    for score_id in SCORE_IDS:
        spec = catalog.policy.scores[score_id]
        raw, inputs = FORMULAS[score_id](facts, spec)
        note = ""
        if raw is None:
            note = messages.no_data.ar
        elif not facts.chain_ok and score_id in ("proof", "safety"):
            note = messages.chain_broken.ar
        scores.append(Score(
            score_id=score_id, name_ar=messages.scores[score_id].ar, name_en=messages.scores[score_id].en,
            value=None if raw is None else max(0, min(100, half_up(raw))),
            status="no_data" if raw is None else "ok", formula_ar=spec.formula_ar, formula_en=spec.formula_en,
            inputs={k: float(v) for k, v in inputs.items()}, note_ar=note,
        ))
    return Scorecard(window_start=facts.start, window_end=facts.end, chain_ok=facts.chain_ok, scores=tuple(scores),
                     policy_version=catalog.policy.version)


__all__ = ["FORMULAS", "half_up", "score_card"]
