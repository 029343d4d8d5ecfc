"""The daily plan: 20 safe prospects → top 10 → cards → drafts → channels → approvals → follow-ups → scorecard.

    START ─▶ select_prospects ─▶ publish_cards ─▶ (Send per drafted pick) ─▶ outreach ─▶ plan_followups
                                                └─ no draftable pick ─────────────────────▶ plan_followups
    plan_followups ─▶ day_scorecard ─▶ END

``outreach`` is the autopilot's own subgraph (copywriter → safe_action_reviewer → human_approval →
execution_governor), so every external draft waits for a person through a LangGraph interrupt and
is placed in the outbox only once approved; nothing is sent. The review-first overlay of the
autopilot applies. Follow-ups and the scorecard come once every approval of the day is answered.

Threads are tenant-namespaced ``{tenant}:growth-{uuid}``; the growth store remembers each tenant's
plans, so "the latest plan" and "which plan waits on this approval" never cross tenants.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field

from graphs.approvals import HumanResponse, response_for
from graphs.autopilot import build_outreach_graph
from graphs.checkpoint import thread_config
from graphs.runtime import build_context
from graphs.state import Outcome
from skills.growth.calendar import local_day
from skills.growth.errors import DecisionInvalid, GrowthError, PlanNotFound
from skills.growth.models import DayScorecard, FollowupSuggestion, PlanStep, Prospect
from skills.growth.nodes import day_scorecard, fan_out, plan_followups, publish_cards, select_prospects
from skills.growth.plan_state import GROWTH_STATE_TYPES, DailyPlanContext, DailyPlanInput, DailyPlanState
from skills.growth.repository import GrowthRepository
from skills.targeting.service import TargetingService
from tools.errors import RoleNotAllowed
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller, Role
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

Decision = Literal["approve", "reject", "edit"]


def build_daily_plan_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                           ) -> CompiledStateGraph[Any, Any, Any, Any]:
    graph = StateGraph(DailyPlanState, context_schema=DailyPlanContext, input_schema=DailyPlanInput)
    graph.add_node("select_prospects", select_prospects)
    graph.add_node("publish_cards", publish_cards)
    graph.add_node("outreach", build_outreach_graph())
    graph.add_node("plan_followups", plan_followups)
    graph.add_node("day_scorecard", day_scorecard)
    graph.add_edge(START, "select_prospects")
    graph.add_edge("select_prospects", "publish_cards")
    graph.add_conditional_edges("publish_cards", fan_out, ["outreach", "plan_followups"])
    graph.add_edge("outreach", "plan_followups")
    graph.add_edge("plan_followups", "day_scorecard")
    graph.add_edge("day_scorecard", END)
    return graph.compile(checkpointer=_allowing_plan_types(checkpointer), name="daily_plan")


def studio_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """For ``langgraph.json``: the server brings the checkpointer; a run must pass a DailyPlanContext."""
    return build_daily_plan_graph()


def _allowing_plan_types(checkpointer: BaseCheckpointSaver[Any] | None) -> BaseCheckpointSaver[Any] | None:
    """The checkpointer with the plan's models added to its msgpack allowlist (no other type is revived)."""
    if checkpointer is None:
        return None
    return checkpointer.with_allowlist({(t.__module__, t.__name__) for t in GROWTH_STATE_TYPES})


# ------------------------------------------------------------------------------------------ runtime
def new_plan_thread_id(tenant: str) -> str:
    if not tenant or ":" in tenant:
        raise ValueError("a tenant id is non-empty and has no ':'")
    return f"{tenant}:growth-{uuid.uuid4().hex}"


def build_plan_context(settings: Settings, tenant: str, *, targeting: TargetingService, growth: GrowthRepository,
                       caller: Caller | None = None, gateway: Gateway | None = None,
                       clock: Clock = system_clock) -> DailyPlanContext:
    """The autopilot's context (review-first overlay, copywriter, tracing) plus the plan's own parts."""
    base = build_context(settings, tenant, caller=caller, gateway=gateway)
    return DailyPlanContext(**{f: getattr(base, f) for f in base.__dataclass_fields__},
                            targeting=targeting, growth=growth, clock=clock)


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
    for task in snapshot.tasks:
        if task.state is not None and not isinstance(task.state, dict):
            drafts.update(task.state.values.get("drafts") or {})
            outcomes.update(task.state.values.get("outcomes") or {})
    pending = [ApprovalRequest.model_validate(i.value) for i in snapshot.interrupts]
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
                   edited_action: str | None = None, reason: str | None = None) -> PlanDecision:
    """Answer one approval of a daily plan by resuming its thread; the thread's own nodes resolve and run it."""
    assert ctx.growth is not None
    caller = ctx.caller
    if caller is None:
        raise GrowthError("caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    if not ctx.growth.has_plan(ctx.tenant, approval.thread_id):
        raise DecisionInvalid()
    if approval.status == "pending" and caller.role not in approval.approver_roles:
        raise RoleNotAllowed(ctx.gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {caller.role.value} may not approve {approval.action_request.action}.")
    graph = build_daily_plan_graph(checkpointer)
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    settle_stale(ctx, graph, config, keep=approval_id)
    waiting = [i for i in graph.get_state(config).interrupts
               if isinstance(i.value, dict) and i.value.get("approval_id") == approval_id]
    if approval.status != "pending" or not waiting:
        raise DecisionInvalid()
    args = {**approval.action_request.args, **(edited_args or {})} if decision == "edit" else None
    response = response_for(decision, action=edited_action or approval.action_request.action, args=args,
                            reason=reason)
    result = graph.invoke(Command(resume={waiting[0].id: response.model_dump(mode="json")}), config, context=ctx)
    ctx.tracing.flush()
    lead_id = approval.contact_id or ""
    outcome = (result.get("outcomes") or {}).get(lead_id)
    view = plan_view(ctx, checkpointer, approval.thread_id)
    if outcome is None:
        outcome = next((o for o in view.outcomes if o.lead_id == lead_id), None)
    message = outcome.reason_ar if outcome is not None else ""
    return PlanDecision(approval_id=approval_id, message_ar=message, outcome=outcome, plan=view)


def settle_stale(ctx: DailyPlanContext, graph: CompiledStateGraph[Any, Any, Any, Any], config: Any, *,
                 keep: str | None = None) -> int:
    """Let the plan's branches notice approvals that expired or were decided outside the plan.

    Each such branch resumes with no decision of its own: its ``human_approval`` node asks the gateway,
    which answers "expired" or "already decided", and the branch ends there (or, for an approval granted
    elsewhere and not yet used, runs it once with that approval). The resuming identity may approve
    nothing: it only lets a branch read what was decided. Returns how many branches were settled.
    """
    now = ctx.now()
    stale = []
    for pending in graph.get_state(config).interrupts:
        approval_id = pending.value.get("approval_id") if isinstance(pending.value, dict) else None
        if approval_id is None or approval_id == keep:
            continue
        current = ctx.gateway.get_approval(approval_id, ctx.tenant)
        if current.status != "pending" or current.expires_at <= now:
            stale.append(pending.id)
    if stale:
        observer = Caller(user_id="system:daily_plan", tenant=ctx.tenant, role=Role.self_growth)
        ignore = HumanResponse(type="ignore").model_dump(mode="json")
        graph.invoke(Command(resume=dict.fromkeys(stale, ignore)), config, context=replace(ctx, caller=observer))
    return len(stale)


def with_caller(ctx: DailyPlanContext, caller: Caller) -> DailyPlanContext:
    return replace(ctx, caller=caller)


__all__ = ["DailyPlanView", "PlanDecision", "build_daily_plan_graph", "build_plan_context", "decide_in_plan",
           "new_plan_thread_id", "plan_view", "settle_stale", "start_daily_plan", "studio_graph", "with_caller"]
