"""Follow-up dates: Sunday-Thursday business days in Asia/Riyadh, holidays skipped, a cool-down after no reply."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from skills.growth.calendar import add_business_days, hijri, next_business_day, week_start
from skills.growth.catalog import FollowupPolicy, load_growth_catalog
from skills.growth.followups import suggest_followup, unanswered_streak
from skills.targeting.repository import Touch
from tools.saudi_time import RIYADH, BusinessHours

HOURS = BusinessHours()
WEDNESDAY = date(2026, 11, 18)
THURSDAY = date(2026, 11, 19)


def _policy(**overrides: object) -> FollowupPolicy:
    return load_growth_catalog().policy.followups.model_copy(update=overrides)


def test_three_business_days_after_a_wednesday_is_the_next_monday() -> None:
    assert add_business_days(WEDNESDAY, 3, HOURS) == date(2026, 11, 23)  # Thu, (Fri, Sat), Sun, Mon


def test_one_business_day_after_a_thursday_is_sunday_not_friday() -> None:
    assert add_business_days(THURSDAY, 1, HOURS) == date(2026, 11, 22)
    assert add_business_days(date(2026, 11, 20), 1, HOURS) == date(2026, 11, 22)  # from a Friday too


def test_a_public_holiday_is_skipped_like_a_weekend() -> None:
    assert add_business_days(WEDNESDAY, 1, HOURS, holidays=[THURSDAY]) == date(2026, 11, 22)
    assert next_business_day(date(2026, 11, 21), HOURS, holidays=[date(2026, 11, 22)]) == date(2026, 11, 23)


@pytest.mark.parametrize("offset", range(14))
def test_every_follow_up_lands_on_a_working_day_at_ten_riyadh(offset: int) -> None:
    drafted = datetime(2026, 11, 15, 14, 30, tzinfo=RIYADH) + timedelta(days=offset)
    suggestion = suggest_followup(lead_id="ld_1", company_name="شركة", channel="email", drafted_at=drafted)
    local = suggestion.due_at.astimezone(RIYADH)
    assert local.weekday() not in (4, 5)  # never Friday or Saturday
    assert local.time() == time(10, 0) and HOURS.contains(local)
    assert local.date() > drafted.date()
    assert suggestion.status == "scheduled" and suggestion.step == 1


def test_a_draft_made_late_on_wednesday_utc_counts_from_the_riyadh_day() -> None:
    # 22:30 UTC on Wednesday is Thursday 01:30 in Riyadh: three business days from Thursday is Tuesday
    # (from the UTC day, Wednesday, it would have been Monday)
    suggestion = suggest_followup(lead_id="ld_1", company_name="x", channel="email",
                                  drafted_at=datetime(2026, 11, 18, 22, 30, tzinfo=UTC))
    assert suggestion.due_at.astimezone(RIYADH).date() == date(2026, 11, 24)


def test_the_reason_names_the_weekday_and_the_hijri_date() -> None:
    suggestion = suggest_followup(lead_id="ld_1", company_name="x", channel="email",
                                  drafted_at=datetime(2026, 11, 18, 10, 0, tzinfo=RIYADH))
    assert suggestion.due_at.date() == date(2026, 11, 23)
    assert "الاثنين" in suggestion.reason_ar and "2026-11-23" in suggestion.reason_ar
    assert suggestion.due_hijri == hijri(date(2026, 11, 23)) and suggestion.due_hijri in suggestion.reason_ar


def test_after_unanswered_touches_the_next_follow_up_waits_the_cool_down() -> None:
    drafted = datetime(2026, 11, 18, 10, 0, tzinfo=RIYADH)
    history = [Touch("ld_1", "email", drafted - timedelta(days=9), False)]
    suggestion = suggest_followup(lead_id="ld_1", company_name="x", channel="email", drafted_at=drafted,
                                  history=history, policy=_policy(max_unanswered=2, cooldown_days=30))
    assert suggestion.status == "cooldown" and suggestion.unanswered == 2
    due = suggestion.due_at.astimezone(RIYADH).date()
    assert due >= date(2026, 12, 18) and due.weekday() not in (4, 5)
    assert "30" in suggestion.reason_ar


def test_a_reply_resets_the_streak_and_other_leads_do_not_count() -> None:
    drafted = datetime(2026, 11, 18, 10, 0, tzinfo=RIYADH)
    history = [
        Touch("ld_1", "email", drafted - timedelta(days=20), False),
        Touch("ld_1", "email", drafted - timedelta(days=10), True),
        Touch("ld_2", "email", drafted - timedelta(days=5), False),
        Touch("ld_2", "email", drafted - timedelta(days=4), False),
    ]
    assert unanswered_streak([t for t in history if t.lead_id == "ld_1"]) == 0
    suggestion = suggest_followup(lead_id="ld_1", company_name="x", channel="email", drafted_at=drafted,
                                  history=history)
    assert suggestion.status == "scheduled" and suggestion.unanswered == 1


def test_the_saudi_week_starts_on_sunday() -> None:
    assert week_start(date(2026, 11, 21)) == date(2026, 11, 15)  # Saturday belongs to the week of Sunday 15
    assert week_start(date(2026, 11, 15)) == date(2026, 11, 15)
    assert week_start(date(2026, 11, 22)) == date(2026, 11, 22)
