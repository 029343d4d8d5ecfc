"""Typed state and run context of the daily plan graph.

    DailyPlanState (the thread)                      OutreachState (one per drafted pick; the autopilot's)
      day ...................... input                 target, other_names, other_contacts ... from Send
      pool, steps, targets ..... select_prospects      draft, call, approval, token ............ local
      cards .................... publish_cards
      drafts   {lead_id: Draft}   merge  ◀──────────── drafts   (shared key, same reducer)
      outcomes {lead_id: Outcome} merge  ◀──────────── outcomes (shared key, same reducer)
      followups {lead_id: ...} . plan_followups
      scorecard ................ day_scorecard

The context extends the autopilot's, so the outreach subgraph (copywriter, reviewer, approval,
execution) runs unchanged inside the plan; the plan adds the Targeting OS, the growth store and a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from typing_extensions import TypedDict

from agents.copywriter import Draft
from skills.approval import Outcome
from skills.growth.models import DayScorecard, FollowupSuggestion, PlanStep, Prospect, Score, Scorecard
from skills.growth.repository import GrowthRepository
from skills.nodes import AutopilotContext, merge_by_key
from skills.targeting.outreach import OutreachTarget
from tools.saudi_time import Clock, system_clock


class DailyPlanInput(TypedDict):
    day: str


class DailyPlanState(TypedDict, total=False):
    day: str
    pool: list[Prospect]
    steps: list[PlanStep]
    targets: list[OutreachTarget]
    cards: int
    drafts: Annotated[dict[str, Draft], merge_by_key]
    outcomes: Annotated[dict[str, Outcome], merge_by_key]
    followups: dict[str, FollowupSuggestion]
    scorecard: DayScorecard | None


@dataclass(frozen=True)
class DailyPlanContext(AutopilotContext):
    """The autopilot's context (tenant, gateway, caller, Targeting OS, copywriter, tracing) plus the plan's own."""

    growth: GrowthRepository | None = None
    clock: Clock = field(default=system_clock)

    def now(self) -> datetime:
        return self.clock()


# The plan's own models that sit in a checkpoint (added to the checkpointer's msgpack allowlist).
GROWTH_STATE_TYPES: tuple[type, ...] = (Prospect, PlanStep, FollowupSuggestion, DayScorecard, Scorecard, Score)

__all__ = ["GROWTH_STATE_TYPES", "DailyPlanContext", "DailyPlanInput", "DailyPlanState"]
