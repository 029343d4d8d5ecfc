"""Churn-risk signals: cancellation words, complaints, low CSAT, SLA breaches, repeat tickets."""

from __future__ import annotations

from ops_helpers import EMAIL, riyadh

from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.support.catalog import load_catalog
from skills.support.intake import from_api
from tools.models import RWUType

POINTS = load_catalog().churn.points


def _customer(service, text: str, email: str = EMAIL):
    return service.create(from_api(text, customer_email=email, customer_name="شركة العميل"))


def test_a_quiet_customer_is_low_risk(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = _customer(service, "كيف أضيف مستخدم؟")
    service.mark_responded(ticket.ticket_id, actor="agent")
    (risk,) = service.churn()
    assert risk.level == "low" and risk.score == 0 and risk.signals == ()


def test_cancellation_words_count_even_inside_another_category(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = _customer(service, "الفاتورة فيها خطأ، وإذا تكرر بنلغي الاشتراك")
    service.mark_responded(ticket.ticket_id, actor="agent")

    (risk,) = service.churn()
    signal = next(s for s in risk.signals if s.kind == "cancellation_words")
    assert signal.points == POINTS["cancellation_words"] and signal.ticket_ids == (ticket.ticket_id,)
    assert risk.level == "medium"


def test_complaints_low_csat_and_breaches_add_up_to_high_risk(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    complaint = _customer(service, "عندي شكوى، محد يرد علينا")
    service.set_status(complaint.ticket_id, "resolved", actor="agent")
    service.record_csat(complaint.ticket_id, 1)
    clock.set(riyadh(2026, 11, 23, 9))
    late = _customer(service, "النظام ما يشتغل")  # nobody answers it
    clock.set(riyadh(2026, 11, 25, 9))

    (risk,) = service.churn()
    kinds = {s.kind: s for s in risk.signals}
    assert set(kinds) == {"complaint", "low_csat", "sla_breach"}
    assert kinds["low_csat"].ticket_ids == (complaint.ticket_id,) and "1" in kinds["low_csat"].reason_ar
    assert late.ticket_id in kinds["sla_breach"].ticket_ids
    assert risk.score == POINTS["complaint"] + POINTS["low_csat"] + kinds["sla_breach"].points
    assert risk.level == "high" and risk.customer_name == "شركة العميل"


def test_repeat_tickets_are_a_signal_and_points_are_capped(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    for text in ("شكوى أولى", "شكوى ثانية", "شكوى ثالثة", "شكوى رابعة"):
        service.mark_responded(_customer(service, text).ticket_id, actor="agent")

    (risk,) = service.churn()
    kinds = {s.kind: s for s in risk.signals}
    assert kinds["complaint"].count == 4 and kinds["complaint"].points == load_catalog().churn.caps["complaint"]
    assert kinds["repeat_tickets"].count == 4
    assert risk.score <= 100


def test_old_tickets_fall_out_of_the_window(service, clock):
    clock.set(riyadh(2026, 1, 4, 9))
    _customer(service, "ابغى الغي الاشتراك")
    clock.set(riyadh(2026, 11, 22, 9))
    assert service.churn() == []


def test_customers_are_ranked_and_kept_apart(service, clock):
    clock.set(riyadh(2026, 11, 22, 9))
    service.mark_responded(_customer(service, "ابغى الغي الاشتراك", "a@one.example.sa").ticket_id, actor="x")
    service.mark_responded(_customer(service, "كيف أبدأ؟", "b@two.example.sa").ticket_id, actor="x")

    risks = service.churn()
    assert [r.level for r in risks] == ["medium", "low"]
    assert risks[0].customer_ref != risks[1].customer_ref


def test_a_high_risk_customer_gets_a_customer_success_card(make_service, gateway, clock):
    service = make_service(cards=True)
    clock.set(riyadh(2026, 11, 22, 9))
    ticket = _customer(service, "ابغى الغي الاشتراك، وعندي شكوى")
    service.set_status(ticket.ticket_id, "resolved", actor="agent")
    service.record_csat(ticket.ticket_id, 1)

    published = service.publish_churn_cards()
    assert len(published) == 1 and published[0][1] is not None
    card = CardService("acme", gateway=gateway).card(published[0][1])
    assert card.type == CardType.customer_success and card.risk_level == "high"
    assert card.proof_impact == RWUType.deal_risk_detected
