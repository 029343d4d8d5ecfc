"""The approval centre: age and SLA in Saudi business time, escalation on breach, expiry as a denial."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from governance_support import OTHER, TENANT, MovingClock, request_approval

from skills.cards.service import CardService
from skills.governance.sla import ApprovalCentreService
from tools.errors import ApprovalError
from tools.gateway import Gateway
from tools.models import Caller, Role
from tools.saudi_time import RIYADH


def centre(gateway: Gateway, clock: MovingClock, tenant: str = TENANT) -> ApprovalCentreService:
    return ApprovalCentreService(tenant, gateway=gateway, clock=clock)


def test_risk_and_sla_follow_the_policy_and_the_data_file(gateway: Gateway, clock: MovingClock) -> None:
    request_approval(gateway)  # crm.update: external, no live flag
    request_approval(gateway, action="calendar.insert", call_id="c2",
                     args={"title": "اجتماع", "start": "2026-11-16T10:00:00+03:00"})
    views = {v.action: v for v in centre(gateway, clock).pending()}
    assert (views["crm.update"].risk_level, views["crm.update"].sla_business_minutes) == ("medium", 240)
    assert (views["calendar.insert"].risk_level, views["calendar.insert"].sla_business_minutes) == ("high", 120)
    assert not any(v.breached for v in views.values())


def test_age_counts_business_time_only_overnight(gateway: Gateway, clock: MovingClock) -> None:
    clock.advance(days=3, hours=7)  # Wednesday 17:00 Riyadh
    request_approval(gateway)
    clock.advance(hours=17)  # Thursday 10:00: Wed 17-18 and Thu 9-10 are the only business time
    view = centre(gateway, clock).pending()[0]
    assert view.age_business_minutes == 120 and not view.breached


def test_the_weekend_and_holidays_do_not_count(gateway: Gateway, clock: MovingClock) -> None:
    clock.advance(days=4, hours=7)  # Thursday 19 November, 17:00 Riyadh
    approval = request_approval(gateway).model_copy(update={"expires_at": clock.now + timedelta(days=30)})
    svc = centre(gateway, clock)
    clock.advance(days=2, hours=17)  # Sunday 10:00
    assert svc.view(approval).age_business_minutes == 120
    # due: 240 business minutes from Thu 17:00 -> Thu 17-18, then Sun 09:00-12:00
    assert svc.view(approval).due_at == datetime(2026, 11, 22, 12, 0, tzinfo=RIYADH)


def test_a_breached_sla_escalates_to_the_next_role_as_a_risk_card(gateway: Gateway, clock: MovingClock) -> None:
    approval = request_approval(gateway, action="calendar.insert",
                                args={"title": "اجتماع", "start": "2026-11-16T10:00:00+03:00"})
    svc = centre(gateway, clock)
    clock.advance(hours=1, minutes=59)
    assert svc.sweep().escalated == []
    clock.advance(minutes=1)  # 120 business minutes: the high-risk SLA
    view = svc.pending()[0]
    assert view.breached and view.escalate_to == Role.ceo
    report = svc.sweep()
    assert report.escalated == [approval.approval_id] and report.cards_published == 1
    feed = CardService(TENANT, gateway=gateway, clock=clock).feed(Role.ceo)
    escalations = [c for c in feed.items if c.card.dedupe_key == f"sla:{approval.approval_id}"]
    assert len(escalations) == 1
    card = escalations[0].card
    assert card.type.value == "risk" and card.role == Role.ceo and card.risk_level == "high"
    assert approval.approval_id in {f.value for f in card.context.facts}
    assert svc.sweep().cards_published == 0  # the same card, not a second one
    assert len([c for c in CardService(TENANT, gateway=gateway, clock=clock).feed(Role.ceo).items
                if c.card.dedupe_key == f"sla:{approval.approval_id}"]) == 1


def test_escalation_goes_to_the_role_after_the_one_that_was_waiting(gateway: Gateway, clock: MovingClock) -> None:
    svc = centre(gateway, clock)
    assert svc.config.next_role(Role.support) == Role.service_delivery
    assert svc.config.next_role(Role.sales_manager) == Role.ceo


def test_an_expired_approval_is_denied_and_recorded(gateway: Gateway, clock: MovingClock) -> None:
    approval = request_approval(gateway)
    svc = centre(gateway, clock)
    clock.advance(days=2)  # the gateway's approval lifetime
    report = svc.sweep()
    assert report.expired == [approval.approval_id]
    assert gateway.get_approval(approval.approval_id, TENANT).status == "expired"
    assert svc.pending() == []
    decision = svc.decisions()[0]
    assert (decision.approval_id, decision.verdict, decision.denied) == (approval.approval_id, "expired", True)
    with pytest.raises(ApprovalError) as refused:
        gateway.resolve(approval.approval_id, Caller(tenant=TENANT, user_id="noura", role=Role.ceo), "approve")
    assert refused.value.code == "approval_expired"
    assert svc.sweep().expired == []  # recorded once


def test_decisions_carry_approver_time_and_reason(gateway: Gateway, clock: MovingClock) -> None:
    first = request_approval(gateway)
    second = request_approval(gateway, call_id="c2", contact_id="lead_2")
    clock.advance(minutes=30)
    gateway.resolve(first.approval_id, Caller(tenant=TENANT, user_id="noura", role=Role.sales_manager), "approve")
    gateway.resolve(second.approval_id, Caller(tenant=TENANT, user_id="fahad", role=Role.ceo), "reject",
                    reason="العميل طلب التأجيل")
    decisions = centre(gateway, clock).decisions()
    assert [(d.approval_id, d.verdict, d.decided_by, d.denied) for d in decisions] == [
        (second.approval_id, "rejected", "fahad", True), (first.approval_id, "approved", "noura", False)]
    assert decisions[0].reason == "العميل طلب التأجيل" and decisions[0].decided_at == clock.now


def test_bulk_views_and_tenant_scope(gateway: Gateway, clock: MovingClock) -> None:
    request_approval(gateway)
    request_approval(gateway, call_id="c2", contact_id="lead_2")
    request_approval(gateway, tenant=OTHER, call_id="c3")
    clock.advance(hours=4)
    view = centre(gateway, clock).centre()
    assert len(view.pending) == 2 and view.breached == 2
    assert {(b.key, b.pending, b.breached) for b in view.by_action} == {("crm.update", 2, 2)}
    assert {b.key for b in view.by_role} == {"ceo", "sales_manager", "growth_manager"}
    assert [(b.key, b.pending) for b in view.by_risk] == [("medium", 2)]
    assert len(centre(gateway, clock, OTHER).centre().pending) == 1
    # a sweep of one tenant neither escalates nor expires the other's
    clock.advance(days=2)
    assert len(centre(gateway, clock).sweep().expired) == 2
    assert gateway.pending_approvals(OTHER) == []  # past expiry, but not yet marked
    assert centre(gateway, clock, OTHER).expire_due() != []
