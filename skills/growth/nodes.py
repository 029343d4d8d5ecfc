"""The daily plan's skill nodes: thin adapters between the plan's state and the growth domain.

    select_prospects (targeting_analyst) ─▶ publish_cards (ux_card_designer, via the card desk)
      ─▶ outreach per drafted pick (the autopilot's subgraph: copywriter → reviewer → approval → execution)
      ─▶ plan_followups (self_growth_operator) ─▶ day_scorecard (proof_pack_builder via skills.proof)

Every call to the outside world goes through the gateway under the node's skill id, so least
privilege applies; no node sends anything. ``plan_followups`` and ``day_scorecard`` run only after
every approval of the day is answered (a LangGraph join), and both are idempotent on a re-run: keyed
state, a follow-up stored once per (thread, lead), outcomes stored once per (thread, lead, event).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Send

from skills.cards.service import CardService
from skills.growth.calendar import day_window, hijri, local_day
from skills.growth.catalog import load_growth_catalog
from skills.growth.followups import suggest_followup
from skills.growth.ledger import collect
from skills.growth.models import DayScorecard, FollowupSuggestion, PlanStep
from skills.growth.plan import SENT, day_counts, outcome_records, prospect
from skills.growth.plan_state import DailyPlanContext, DailyPlanState
from skills.growth.repository import dedupe_key
from skills.growth.scores import score_card
from skills.nodes import outreach_branches
from skills.outreach import choose_targets
from skills.proof.builder import ProofPackBuilder
from skills.proof.period import Period
from skills.run_context import bound
from tools.errors import NotFound
from tools.models import ToolCall

GROWTH_SKILL = "self_growth_operator"


def _thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def _plan_day(state: DailyPlanState, ctx: DailyPlanContext) -> date:
    day = state.get("day")
    return date.fromisoformat(day) if day else local_day(ctx.now())


def select_prospects(state: DailyPlanState, runtime: Runtime[Any]) -> dict[str, Any]:
    """The Targeting OS's choice (the autopilot's too): up to 20 safe prospects, the top 10, a step for each."""
    ctx = bound(runtime, DailyPlanContext)
    choice = choose_targets(ctx.targeting)
    ctx.gateway.invoke(ToolCall(
        tenant=ctx.tenant, skill="targeting_analyst", action="targeting.rank", thread_id=_thread_id(),
        tool_call_id="select_prospects:rank",
        args={"ranked": choice.ranked, "pool": len(choice.pool), "top_n": len(choice.steps),
              "targets": [s.lead_id for s in choice.steps]},
    ))
    return {"pool": [prospect(t, i) for i, t in enumerate(choice.pool, start=1)], "steps": choice.steps,
            "targets": choice.targets}


def publish_cards(state: DailyPlanState, runtime: Runtime[Any]) -> dict[str, Any]:
    """An opportunity card per pick, published through the card desk (``card.publish`` via the gateway)."""
    ctx = bound(runtime, DailyPlanContext)
    steps = state.get("steps") or []
    wanted = {s.lead_id for s in steps}
    targets = [t for t in ctx.targeting.targets() if t.lead_id in wanted]
    order = {s.lead_id: s.rank for s in steps}
    targets.sort(key=lambda t: order[t.lead_id])
    desk = CardService(ctx.tenant, gateway=ctx.gateway, clock=ctx.clock)
    cards = desk.factory.from_targets(targets)
    desk.publish(cards)
    published = {c.context.lead_id: c.card_id for c in cards if _stored(desk, c.card_id)}
    return {"steps": [s.model_copy(update={"card_id": published.get(s.lead_id)}) for s in steps],
            "cards": len(published)}


def _stored(desk: CardService, card_id: str) -> bool:
    try:
        desk.card(card_id)
    except NotFound:
        return False
    return True


def fan_out(state: DailyPlanState) -> list[Send] | Literal["plan_followups"]:
    """One outreach branch per drafted pick (the autopilot's own branches)."""
    return outreach_branches(state.get("targets") or []) or "plan_followups"


def plan_followups(state: DailyPlanState, runtime: Runtime[Any]) -> dict[str, Any]:
    """A follow-up date for every draft that was approved into the mailbox, recorded with the gateway."""
    ctx = bound(runtime, DailyPlanContext)
    assert ctx.growth is not None
    thread_id = _thread_id()
    now = ctx.now()
    policy = load_growth_catalog().policy.followups
    history = ctx.targeting.repository.touches(ctx.tenant, now - timedelta(days=policy.cooldown_days * 3))
    outcomes = state.get("outcomes") or {}
    followups: dict[str, FollowupSuggestion] = {}
    for target in state.get("targets") or []:
        outcome = outcomes.get(target.lead_id)
        if outcome is None or not (outcome.status in SENT or _used_elsewhere(ctx, outcome.approval_id)):
            continue
        known = ctx.growth.followup(ctx.tenant, thread_id, target.lead_id)
        if known is None:
            suggestion = suggest_followup(lead_id=target.lead_id, company_name=target.company_name,
                                          channel=target.channel, drafted_at=now, history=history,
                                          hours=ctx.targeting.hours)
            result = ctx.gateway.invoke(ToolCall(
                tenant=ctx.tenant, skill=GROWTH_SKILL, action="followup.schedule", thread_id=thread_id,
                tool_call_id=f"{target.lead_id}:followup", contact_id=target.lead_id,
                args={"due_at": suggestion.due_at.isoformat(), "status": suggestion.status,
                      "step": suggestion.step, "channel": suggestion.channel},
            ))
            known = suggestion.model_copy(update={"audit_event": result.decision.audit_event})
            ctx.growth.add_followup(ctx.tenant, thread_id, known)
        followups[target.lead_id] = known
    return {"followups": followups}


def day_scorecard(state: DailyPlanState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Close the day: counts, the day's proof pack (``skills.proof``, recorded through the gateway), the eight
    scores over today's ledger, and the day's outcomes for the learning loop."""
    ctx = bound(runtime, DailyPlanContext)
    assert ctx.growth is not None
    thread_id = _thread_id()
    day = _plan_day(state, ctx)
    steps: list[PlanStep] = state.get("steps") or []
    drafts, outcomes = state.get("drafts") or {}, state.get("outcomes") or {}
    edited = {lead for lead, o in outcomes.items() if o.status in SENT and _was_edited(ctx, o.approval_id)}
    records = outcome_records(steps, drafts, outcomes, edited, ctx.now())
    ctx.growth.add_outcomes(ctx.tenant, [(dedupe_key(thread_id, r.lead_id, event), r) for event, r in records])
    start, end = day_window(day)
    counts = day_counts(pool=len(state.get("pool") or []), steps=steps, cards=state.get("cards") or 0,
                        drafts=drafts, outcomes=outcomes, followups=list((state.get("followups") or {}).values()))
    pack = ProofPackBuilder(ctx.gateway, clock=ctx.clock).build(ctx.tenant, Period(start=day, end=day))
    scores = score_card(collect(ctx.gateway, ctx.tenant, start, end))
    return {"scorecard": DayScorecard(day=day, day_hijri=hijri(day), counts=counts, scores=scores,
                                      proof_pack_id=pack.pack_id, proof_audit_event=pack.audit_event)}


def _used_elsewhere(ctx: DailyPlanContext, approval_id: str | None) -> bool:
    """An approval this plan waited on that was approved and executed outside it (e.g. the approvals inbox)."""
    if approval_id is None:
        return False
    try:
        return ctx.gateway.get_approval(approval_id, ctx.tenant).status == "consumed"
    except NotFound:
        return False


def _was_edited(ctx: DailyPlanContext, approval_id: str | None) -> bool:
    if approval_id is None:
        return False
    try:
        return ctx.gateway.get_approval(approval_id, ctx.tenant).status == "superseded"
    except NotFound:
        return False


__all__ = ["GROWTH_SKILL", "day_scorecard", "fan_out", "plan_followups", "publish_cards", "select_prospects"]
