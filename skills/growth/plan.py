"""The daily plan's domain steps: today's picks to plan steps, outreach targets and the day's counts.

    DailySelection (Targeting OS: 20 safe prospects, top 10)
        ─▶ PlanStep per pick: the recommended channel, and either a draft channel or a person's step
        ─▶ OutreachTarget per draftable step (what the autopilot's outreach subgraph drafts for)

Channel rules are data (``growth.yaml`` ``daily_plan.channels``): email and opted-in WhatsApp are
drafted on that channel; an event follow-up is drafted on the first safe direct channel; a partner
introduction or a phone call is a step for a person, never a message to the prospect.
Free-text notes are never copied into a target: no rule and no model acts on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from agents.copywriter import Draft
from skills.approval import Outcome
from skills.growth.catalog import GrowthCatalog, load_growth_catalog
from skills.growth.models import DraftChannel, FollowupSuggestion, OutcomeEvent, OutcomeRecord, PlanStep, Prospect
from skills.targeting.models import Lead, Target
from skills.targeting.outreach import OutreachTarget, outreach_target
from skills.targeting.selection import DailyPick

SENT = frozenset({"executed", "already_executed"})


def prospect(target: Target, rank: int) -> Prospect:
    assert target.channel.channel is not None  # the selection only keeps targets with a channel
    return Prospect(lead_id=target.lead_id, rank=rank, company_name=target.company_name,
                    segment=target.enrichment.sector, city_id=target.city_id, score=round(target.score.total, 2),
                    recommended_channel=target.channel.channel, channel_reason_ar=target.channel.reason_ar)


def plan_step(pick: DailyPick, catalog: GrowthCatalog | None = None, *, card_id: str | None = None) -> PlanStep:
    catalog = catalog or load_growth_catalog()
    target = pick.target
    base = prospect(target, pick.rank)
    rule = catalog.policy.daily_plan.channels[base.recommended_channel]
    draft: DraftChannel | None = rule.draft or next(
        (c for c in rule.draft_from_alternatives if c in target.channel.alternatives), None)
    manual: Literal["partner_intro", "phone"] | None = rule.manual
    if draft is None and manual is None:
        manual = "phone"  # an event contact with no safe written channel: a call by a person
    return PlanStep(**base.model_dump(), draft_channel=draft,
                    manual_step_ar=catalog.messages.manual_step[manual] if draft is None and manual else None,
                    why_now_ar=tuple(pick.why_now_ar), card_id=card_id)


def outreach_target_of(step: PlanStep, target: Target, lead: Lead) -> OutreachTarget:
    """The drafting view of a draftable plan step (its channel decided by the plan's rules)."""
    if step.draft_channel is None:
        raise ValueError(f"plan step {step.lead_id} has no draft channel: it is a person's step")
    return outreach_target(target, lead, rank=step.rank, channel=step.draft_channel, why_ar=step.channel_reason_ar)


def day_counts(*, pool: int, steps: Sequence[PlanStep], cards: int, drafts: Mapping[str, Draft],
               outcomes: Mapping[str, Outcome], followups: Sequence[FollowupSuggestion]) -> dict[str, int]:
    statuses = Counter(o.status for o in outcomes.values())
    return {
        "pool": pool, "top": len(steps), "cards": cards,
        "drafts": sum(1 for d in drafts.values() if d.status == "ready"),
        "manual_steps": sum(1 for s in steps if s.manual_step_ar), **{k: statuses[k] for k in (
            "executed", "already_executed", "rejected", "blocked", "needs_review", "not_executed", "already_decided",
            "awaiting_approval")},
        "followups_scheduled": sum(1 for f in followups if f.status == "scheduled"),
        "followups_cooldown": sum(1 for f in followups if f.status == "cooldown"),
    }


def outcome_records(steps: Sequence[PlanStep], drafts: Mapping[str, Draft], outcomes: Mapping[str, Outcome],
                    edited: set[str], occurred_at: datetime) -> list[tuple[str, OutcomeRecord]]:
    """The day's learning records: (event name, record) per drafted lead, for the growth store."""
    records: list[tuple[str, OutcomeRecord]] = []
    for step in steps:
        draft = drafts.get(step.lead_id)
        if draft is None or step.draft_channel is None:
            continue
        common: dict[str, Any] = {"lead_id": step.lead_id, "occurred_at": occurred_at, "segment": step.segment,
                  "channel": step.draft_channel, "message_id": draft.prompt.id}
        events: list[OutcomeEvent] = ["drafted"] if draft.status == "ready" else []
        outcome = outcomes.get(step.lead_id)
        if outcome is not None and outcome.status in SENT:
            events.append("edited" if step.lead_id in edited else "approved")
        elif outcome is not None and outcome.status == "rejected":
            events.append("rejected")
        elif outcome is not None and outcome.status == "blocked":
            events.append("blocked")
        records += [(event, OutcomeRecord(event=event, **common)) for event in events]
    return records


__all__ = ["SENT", "day_counts", "outcome_records", "outreach_target_of", "plan_step", "prospect"]
