"""The negotiation coach listens (issue 22): several cues resolved sensibly, the customer's timing kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from skills.negotiation.classifier import classify
from skills.negotiation.factory import demo_coach
from skills.negotiation.timing import customer_timing


@pytest.mark.parametrize("text", ["السعر مناسب لنا لكن نحتاج موافقة المكتب الرئيسي",
                                  "The price works for us but head office has to approve it"])
def test_accepting_the_price_but_needing_head_office_is_approval_not_price(text: str) -> None:
    assert classify(text).label.value == "need_team_approval"


@pytest.mark.parametrize("text", ["عندنا شريك تسويق من سنين وما راح نغيره",
                                  "We already have a marketing partner and we are not changing them"])
def test_a_partner_they_will_not_change_is_an_existing_vendor(text: str) -> None:
    assert classify(text).label.value == "already_have_agency"


def test_after_ramadan_is_after_the_eid_holiday_on_the_umm_al_qura_calendar() -> None:
    timing = customer_timing("خلونا نتكلم بعد رمضان إن شاء الله", date(2026, 12, 7))
    assert timing is not None and timing.kind == "after_ramadan"
    assert timing.not_before == date(2027, 3, 14)  # 1 Shawwal 1448 is 9 March 2027; +4 days is a Saturday


def test_after_the_summer_and_next_quarter_are_their_own_dates() -> None:
    summer = customer_timing("let us talk after the summer", date(2026, 12, 7))
    quarter = customer_timing("نرجع لكم الربع الجاي", date(2026, 12, 7))
    assert summer is not None and summer.not_before == date(2027, 9, 1)
    assert quarter is not None and quarter.not_before == date(2027, 1, 3)  # 1 January is a Friday


def test_the_reply_to_after_ramadan_does_not_propose_tomorrow() -> None:
    coach = demo_coach(clock=lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    result = coach.respond("الفكرة حلوة بس خلونا نتكلم بعد رمضان")
    assert "14 مارس" in result.reply.body and "8 ديسمبر" not in result.reply.body


def test_the_close_plan_moves_with_the_customers_timing() -> None:
    coach = demo_coach(clock=lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    result = coach.respond("let us talk after the summer")
    assert all(step.due >= date(2027, 9, 1) for step in result.close_plan.steps)
    assert "1 September" in result.reply.body  # Wednesday 1 September 2027, the meeting step's day
