"""SLA timers on Saudi business time: weekends, holidays, warnings, breaches and escalation."""

from __future__ import annotations

from datetime import date, time

import pytest
from ops_helpers import riyadh

from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.support.business_time import BusinessCalendar, Holiday, default_calendar
from skills.support.intake import from_api
from tools.saudi_time import BusinessHours

CAL = default_calendar()


def test_minutes_skip_friday_and_saturday():
    thursday_5pm = riyadh(2026, 11, 26, 17)
    assert CAL.add_minutes(thursday_5pm, 120) == riyadh(2026, 11, 29, 10)  # Sunday 10:00
    assert CAL.minutes_between(thursday_5pm, riyadh(2026, 11, 29, 10)) == 120


def test_a_ticket_on_friday_starts_counting_on_sunday_morning():
    friday_noon = riyadh(2026, 11, 27, 12)
    assert CAL.next_open(friday_noon) == riyadh(2026, 11, 29, 9)
    assert CAL.add_minutes(friday_noon, 60) == riyadh(2026, 11, 29, 10)
    assert CAL.minutes_between(friday_noon, riyadh(2026, 11, 28, 23)) == 0


def test_national_day_does_not_count():
    tuesday_4pm = riyadh(2026, 9, 22, 16)  # 23 September (Wednesday) is National Day
    assert CAL.holiday_on(date(2026, 9, 23)) is not None
    assert CAL.add_minutes(tuesday_4pm, 480) == riyadh(2026, 9, 24, 15)  # 120 on Tue + 360 on Thu
    assert CAL.minutes_between(tuesday_4pm, riyadh(2026, 9, 24, 15)) == 480


def test_an_eid_period_and_a_weekend_together():
    # Eid al-Fitr 2026 as configured: Thu 19 - Sun 22 March; Fri/Sat inside it.
    wednesday_5pm = riyadh(2026, 3, 18, 17)
    assert CAL.add_minutes(wednesday_5pm, 120) == riyadh(2026, 3, 23, 10)  # Monday


def test_holidays_are_configurable():
    hours = BusinessHours(start=time(8, 0), end=time(16, 0))
    custom = BusinessCalendar(hours, [Holiday(name_ar="إجازة", name_en="Day off", start=date(2026, 11, 23),
                                              end=date(2026, 11, 23))])
    assert custom.add_minutes(riyadh(2026, 11, 22, 15), 120) == riyadh(2026, 11, 24, 9)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    never = BusinessCalendar(BusinessHours(business_days=("fri",)),
                             [Holiday(name_ar="x", name_en="x", start=date(2026, 1, 1), end=date(2040, 1, 1))])
    with pytest.raises(ValueError):
        never.add_minutes(riyadh(2026, 11, 22, 10), 10)


def test_due_times_follow_priority(service, clock):
    clock.set(riyadh(2026, 11, 26, 17))  # Thursday 17:00
    urgent = service.create(from_api("ابغى الغي الاشتراك الحين"))  # high, raised one level by urgency
    normal = service.create(from_api("كيف أضيف مستخدم جديد؟"))

    assert urgent.priority == "urgent" and normal.priority == "normal"
    assert urgent.first_response_due == riyadh(2026, 11, 26, 18)  # 60 minutes
    assert normal.first_response_due == riyadh(2026, 11, 29, 12)  # 240: 60 on Thursday + 180 on Sunday


def test_warning_then_breach_then_met_or_late(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = service.create(from_api("كيف أضيف مستخدم جديد؟"))  # normal: 240 minutes to first response

    clock.set(riyadh(2026, 11, 22, 11, 59))
    assert service.sla(ticket.ticket_id).state == "ok"
    clock.set(riyadh(2026, 11, 22, 12, 0))  # 180 of 240 minutes used: 75%
    warning = service.sla(ticket.ticket_id)
    assert warning.state == "warning" and warning.level == "warning"
    assert warning.message_ar and ticket.ticket_id in warning.message_ar
    clock.set(riyadh(2026, 11, 22, 13, 1))
    breached = service.sla(ticket.ticket_id)
    assert breached.state == "breached" and breached.level == "breach"
    assert breached.first_response.remaining_minutes == -1

    service.mark_responded(ticket.ticket_id, actor="agent")
    after = service.sla(ticket.ticket_id)
    assert after.first_response.state == "late" and after.resolution.state == "ok"


def test_a_response_in_time_is_met(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = service.create(from_api("كيف أضيف مستخدم جديد؟"))
    clock.advance(minutes=30)
    service.mark_responded(ticket.ticket_id, actor="agent")
    assert service.sla(ticket.ticket_id).first_response.state == "met"


def test_escalation_happens_once_per_level_and_publishes_cards(make_service, gateway, clock):
    service = make_service(cards=True)
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = service.create(from_api("كيف أضيف مستخدم جديد؟"))

    assert service.escalate_due() == []
    clock.set(riyadh(2026, 11, 22, 12, 30))
    warned = service.escalate_due()
    assert [(e.level, e.role.value) for e in warned] == [("warning", "support")]
    assert service.escalate_due() == []  # the same level is not escalated twice
    clock.set(riyadh(2026, 11, 23, 9, 30))
    breached = service.escalate_due()
    assert [(e.level, e.role.value) for e in breached] == [("breach", "service_delivery")]

    cards = [c for c in CardService("acme", gateway=gateway).store.cards("acme") if c.type == CardType.support]
    assert {c.role.value for c in cards} == {"support", "service_delivery"}
    assert all(ticket.ticket_id in c.why_now_ar for c in cards)
    assert {e.card_id for e in (*warned, *breached)} == {c.card_id for c in cards}


def test_a_breached_cancellation_risk_goes_to_the_ceo(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = service.create(from_api("نرغب في إلغاء الاشتراك"))  # high: 120 minutes
    clock.set(riyadh(2026, 11, 22, 11, 30))
    (escalation,) = service.escalate_due()
    assert escalation.level == "critical_breach" and escalation.role.value == "ceo"
    assert service.get(ticket.ticket_id).escalation == "critical_breach"


def test_resolved_tickets_are_not_escalated(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = service.create(from_api("نرغب في إلغاء الاشتراك"))
    service.set_status(ticket.ticket_id, "resolved", actor="agent")
    clock.set(riyadh(2026, 12, 1, 9))
    assert service.escalate_due() == [] and service.sla_report() == []
