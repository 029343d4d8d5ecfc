"""Follow-up suggestions after a draft: a business day, in business hours, with a cool-down after no reply.

    history of touches (Targeting OS) + today's draft
        unanswered in a row < max_unanswered ─▶ scheduled: +N business days (Sunday-Thursday), at 10:00 Riyadh
        unanswered in a row ≥ max_unanswered ─▶ cooldown:  last touch + cooldown days, moved to a business day

A suggestion is only a date for a person; nothing is sent. The daily plan records each one with the
gateway (``followup.schedule``, suggest-only), which makes it a ``followup_created`` work unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from skills.growth.calendar import add_business_days, at_local, hijri, local_day, next_business_day
from skills.growth.catalog import FollowupPolicy, GrowthCatalog, load_growth_catalog
from skills.growth.models import DraftChannel, FollowupSuggestion
from skills.targeting.repository import Touch
from tools.saudi_time import RIYADH, BusinessHours


def unanswered_streak(touches: Iterable[Touch]) -> int:
    """Touches in a row without a reply, counting back from the latest."""
    streak = 0
    for touch in sorted(touches, key=lambda t: t.at, reverse=True):
        if touch.replied:
            break
        streak += 1
    return streak


def suggest_followup(
    *,
    lead_id: str,
    company_name: str,
    channel: DraftChannel,
    drafted_at: datetime,
    history: Iterable[Touch] = (),
    hours: BusinessHours | None = None,
    catalog: GrowthCatalog | None = None,
    policy: FollowupPolicy | None = None,
) -> FollowupSuggestion:
    """When to follow up on the draft made at ``drafted_at``, given the lead's earlier touches."""
    catalog = catalog or load_growth_catalog()
    policy = policy or catalog.policy.followups
    hours = hours or BusinessHours()
    earlier = [t for t in history if t.lead_id == lead_id and t.at < drafted_at]
    unanswered = unanswered_streak(earlier) + 1  # today's draft has no reply yet
    today = local_day(drafted_at, RIYADH)
    if unanswered >= policy.max_unanswered:
        due_day = next_business_day(today + timedelta(days=policy.cooldown_days), hours, policy.holidays)
        text = catalog.messages.followup["cooldown"].format(
            unanswered=unanswered, days=policy.cooldown_days, **_date_params(due_day, catalog))
        status = "cooldown"
    else:
        due_day = add_business_days(today, policy.after_business_days, hours, policy.holidays)
        text = catalog.messages.followup["scheduled"].format(
            step=unanswered, days=policy.after_business_days, time=policy.at.strftime("%H:%M"),
            **_date_params(due_day, catalog))
        status = "scheduled"
    return FollowupSuggestion(
        lead_id=lead_id, company_name=company_name, channel=channel, step=unanswered, status=status,
        due_at=at_local(due_day, policy.at), due_hijri=hijri(due_day), unanswered=unanswered,
        reason_ar=text.ar, reason_en=text.en,
    )


def _date_params(day: date, catalog: GrowthCatalog) -> dict[str, str]:
    return {"date": day.isoformat(), "hijri": hijri(day), "weekday_ar": catalog.weekday_ar(day)}


__all__ = ["suggest_followup", "unanswered_streak"]
