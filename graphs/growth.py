"""The daily plan: 20 safe prospects → top 10 → cards → drafts → channels → approvals → follow-ups → scorecard.

    START ─▶ select_prospects ─▶ publish_cards ─▶ (Send per drafted pick) ─▶ outreach ─▶ plan_followups
                                                └─ no draftable pick ─────────────────────▶ plan_followups
    plan_followups ─▶ day_scorecard ─▶ END

``select_prospects`` makes the autopilot's own choice (:func:`skills.outreach.choose_targets`) and
``outreach`` is the autopilot's own subgraph (copywriter → the shared approval subgraph), so every
external draft waits for a person through a LangGraph interrupt and is placed in the outbox only
once approved; nothing is sent. The review-first overlay of the
autopilot applies. Follow-ups and the scorecard come once every approval of the day is answered.

Threads are tenant-namespaced ``{tenant}:daily_plan-{uuid}``; the growth store remembers each tenant's
plans, so "the latest plan" and "which plan waits on this approval" never cross tenants.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, ConfigDict, Field

from graphs.approval import bind
from graphs.autopilot import outreach_subgraph
from graphs.checkpoint import new_thread_id, thread_config
from graphs.resume import resume, waiting_on
from graphs.runtime import build_context
from graphs.state import STATE_TYPES
from skills.approval import Outcome, request_of
from skills.growth.calendar import local_day
from skills.growth.errors import DecisionInvalid, GrowthError, PlanNotFound
from skills.growth.models import DayScorecard, FollowupSuggestion, PlanStep, Prospect
from skills.growth.nodes import day_scorecard, fan_out, plan_followups, publish_cards, select_prospects
from skills.growth.plan_state import GROWTH_STATE_TYPES, DailyPlanContext, DailyPlanInput, DailyPlanState
from skills.growth.repository import GrowthRepository
from skills.run_context import DailyPlanRunContext
from skills.targeting.service import TargetingService
from tools.errors import RoleNotAllowed
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

Decision = Literal["approve", "reject", "edit"]


@lru_cache(maxsize=1)
def _daily_plan() -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(DailyPlanState, context_schema=DailyPlanRunContext, input_schema=DailyPlanInput)
    graph.add_node("select_prospects", select_prospects)
    graph.add_node("publish_cards", publish_cards, metadata={"skills": ["ux_card_designer"]})
    graph.add_node("outreach", outreach_subgraph())
    graph.add_node("plan_followups", plan_followups, metadata={"skills": ["self_growth_operator"]})
    graph.add_node("day_scorecard", day_scorecard)
    graph.add_edge(START, "select_prospects")
    graph.add_edge("select_prospects", "publish_cards")
    graph.add_conditional_edges("publish_cards", fan_out, ["outreach", "plan_followups"])
    graph.add_edge("outreach", "plan_followups")
    graph.add_edge("plan_followups", "day_scorecard")
    graph.add_edge("day_scorecard", END)
    return graph.compile(name="daily_plan")


def build_daily_plan_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                           ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The plan (compiled once per process) over ``checkpointer``, allowed to revive the plan's models."""
    return bind(_daily_plan(), checkpointer, *STATE_TYPES, *GROWTH_STATE_TYPES)



# ------------------------------------------------------------------------------------------ runtime
def new_plan_thread_id(tenant: str) -> str:
    return new_thread_id(tenant, "daily_plan")


def build_plan_context(settings: Settings, tenant: str, *, targeting: TargetingService, growth: GrowthRepository,
                       caller: Caller | None = None, gateway: Gateway,
                       clock: Clock = system_clock) -> DailyPlanContext:
    """The autopilot's context (review-first overlay, copywriter, tracing) plus the plan's own parts."""
    base = build_context(settings, tenant, caller=caller, gateway=gateway, targeting=targeting)
    return DailyPlanContext(**{f: getattr(base, f) for f in base.__dataclass_fields__}, growth=growth, clock=clock)


class DailyPlanView(BaseModel):
    """Where a daily plan stands: its picks, what waits for a person, and (once done) the day's scorecard."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    day: date
    status: Literal["awaiting_approvals", "done"]
    pool: list[Prospect] = Field(description="Today's safe prospects (up to 20), best first.")
    steps: list[PlanStep] = Field(description="The top picks (up to 10) and today's step for each.")
    cards: int = Field(description="Opportunity cards published for the picks.")
    drafts: int = Field(description="Drafts written (ready or sent to review).")
    pending: list[ApprovalRequest] = Field(description="Drafts waiting for a person's decision.")
    outcomes: list[Outcome] = Field(description="Picks already settled (executed, rejected, blocked, ...).")
    followups: list[FollowupSuggestion]
    scorecard: DayScorecard | None = Field(description="Set once every approval of the day is answered.")


class PlanDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    approval_id: str
    message_ar: str
    outcome: Outcome | None = None
    plan: DailyPlanView


def start_daily_plan(ctx: DailyPlanContext, checkpointer: BaseCheckpointSaver[Any], *,
                     thread_id: str | None = None) -> DailyPlanView:
    assert ctx.growth is not None
    graph = build_daily_plan_graph(checkpointer)
    thread_id = thread_id or new_plan_thread_id(ctx.tenant)
    day = local_day(ctx.now())
    ctx.growth.add_plan(ctx.tenant, thread_id, day.isoformat(), ctx.now())
    graph.invoke({"day": day.isoformat()}, thread_config(thread_id, tenant=ctx.tenant), context=ctx)
    ctx.tracing.flush()
    return plan_view(ctx, checkpointer, thread_id)


def plan_view(ctx: DailyPlanContext, checkpointer: BaseCheckpointSaver[Any], thread_id: str | None = None
              ) -> DailyPlanView:
    """A plan of this tenant (the latest when ``thread_id`` is None), read from its checkpoint."""
    assert ctx.growth is not None
    thread_id = thread_id or ctx.growth.latest_plan(ctx.tenant)
    if thread_id is None:
        raise PlanNotFound("no_plan_yet")
    if not ctx.growth.has_plan(ctx.tenant, thread_id):
        raise PlanNotFound()
    graph = build_daily_plan_graph(checkpointer)
    config = thread_config(thread_id, tenant=ctx.tenant)
    snapshot = graph.get_state(config, subgraphs=True)
    values = snapshot.values
    if not values:
        raise PlanNotFound()
    drafts = dict(values.get("drafts") or {})
    outcomes = dict(values.get("outcomes") or {})
    for task in snapshot.tasks:  # branches still running (or finished while others wait) hold their own
        if isinstance(task.result, dict):
            drafts.update(task.result.get("drafts") or {})
            outcomes.update(task.result.get("outcomes") or {})
        elif task.state is not None and not isinstance(task.state, dict):
            drafts.update(task.state.values.get("drafts") or {})
            outcomes.update(task.state.values.get("outcomes") or {})
    pending = [request_of(i.value) for i in snapshot.interrupts]
    rank = {s.lead_id: s.rank for s in values.get("steps") or []}
    pending.sort(key=lambda a: (rank.get(a.contact_id or "", 0), a.tool_call_id))
    return DailyPlanView(
        thread_id=thread_id, day=date.fromisoformat(values["day"]),
        status="done" if values.get("scorecard") is not None else "awaiting_approvals",
        pool=list(values.get("pool") or []), steps=list(values.get("steps") or []), cards=values.get("cards") or 0,
        drafts=len(drafts), pending=pending,
        outcomes=sorted((o for o in outcomes.values() if o.status != "awaiting_approval"),
                        key=lambda o: rank.get(o.lead_id, 0)),
        followups=sorted((values.get("followups") or {}).values(), key=lambda f: rank.get(f.lead_id, 0)),
        scorecard=values.get("scorecard"),
    )


def decide_in_plan(ctx: DailyPlanContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str,
                   decision: Decision, *, edited_args: dict[str, Any] | None = None,
                   edited_action: str | None = None, reason: str | None = None,
                   lock_dir: Path | None = None) -> PlanDecision:
    """Answer one approval of a daily plan (the one resume path of :mod:`graphs.resume`), then show the plan."""
    assert ctx.growth is not None
    if ctx.caller is None:
        raise GrowthError("caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    if not ctx.growth.has_plan(ctx.tenant, approval.thread_id):
        raise DecisionInvalid()
    if approval.status == "pending" and ctx.caller.role not in approval.approver_roles:
        raise RoleNotAllowed(ctx.gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {ctx.caller.role.value} may not approve {approval.action_request.action}.")
    graph = build_daily_plan_graph(checkpointer)
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    unfinished = ctx.gateway.unfinished_token(approval_id, ctx.tenant) is not None
    if (approval.status != "pending" and not unfinished) or not (unfinished or waiting_on(graph, config, approval_id)):
        raise DecisionInvalid()
    result = resume(graph, ctx, approval_id, decision, edited_args=edited_args, edited_action=edited_action,
                    reason=reason, lock_dir=lock_dir)
    ctx.tracing.flush()
    view = plan_view(ctx, checkpointer, approval.thread_id)
    lead_id = approval.contact_id or ""
    outcome = result.outcome or next((o for o in view.outcomes if o.lead_id == lead_id), None)
    return PlanDecision(approval_id=approval_id, message_ar=outcome.reason_ar if outcome else result.message_ar,
                        outcome=outcome, plan=view)


def with_caller(ctx: DailyPlanContext, caller: Caller) -> DailyPlanContext:
    return replace(ctx, caller=caller)


__all__ = ["DailyPlanView", "PlanDecision", "build_daily_plan_graph", "build_plan_context", "decide_in_plan",
           "new_plan_thread_id", "plan_view", "start_daily_plan", "with_caller"]
