"""The card factory: gateway and graph events in, the right card out, text from the data file."""

from __future__ import annotations

import pytest
from cards_support import NOW, OTHER, TENANT, approval_request, clock

from skills.cards.factory import CardFactory, card_id_for
from skills.cards.models import CardStatus, CardType, has_arabic
from skills.cards.texts import CardTexts
from skills.targeting.factory import demo_service
from tools.errors import NotFound
from tools.gateway import Gateway
from tools.models import Caller, Mode, Role, RWUType, ToolCall


def test_a_pending_approval_becomes_an_approval_card(factory: CardFactory, gateway: Gateway) -> None:
    card = factory.from_approval(approval_request(), company_name="شركة النخبة")
    assert card.type == CardType.approval and card.status == CardStatus.open
    assert [b.decision for b in card.buttons] == ["approve", "edit", "reject"]
    assert card.action_mode == Mode.approval_required and card.proof_impact == RWUType.approval_collected
    assert card.context.approval_id == "apr_1" and card.context.external and card.risk_level == "high"
    assert card.role == Role.sales_manager and card.role in card.context.approver_roles
    assert "شركة النخبة" in card.title_ar and (gateway.policy.rule("whatsapp.send").label_ar or "?") in card.title_ar
    assert "نود تأكيد موعد الاجتماع" in (card.context.preview_ar or "")
    assert "+966501234567" not in (card.context.preview_ar or "")  # the address is not repeated on the card


def test_the_card_role_is_one_that_may_approve(factory: CardFactory) -> None:
    card = factory.from_approval(approval_request(roles=(Role.ceo,)))
    assert card.role == Role.ceo


@pytest.mark.parametrize(("status", "expected"), [("approved", CardStatus.approved), ("consumed", CardStatus.approved),
                                                  ("rejected", CardStatus.rejected), ("superseded", CardStatus.edited),
                                                  ("expired", CardStatus.expired)])
def test_a_decided_approval_gives_a_closed_card(factory: CardFactory, status: str, expected: CardStatus) -> None:
    assert factory.from_approval(approval_request(status=status)).status == expected


def test_an_approval_close_to_expiry_is_more_urgent(factory: CardFactory) -> None:
    soon = factory.from_approval(approval_request(hours_left=2))
    later = factory.from_approval(approval_request(hours_left=40))
    assert soon.urgency > later.urgency


def test_another_tenants_approval_is_not_found(factory: CardFactory) -> None:
    with pytest.raises(NotFound):
        factory.from_approval(approval_request(tenant=OTHER))


def test_a_blocked_attempt_becomes_a_risk_card_with_the_policys_reason(factory: CardFactory,
                                                                       gateway: Gateway) -> None:
    result = gateway.invoke(ToolCall(tenant=TENANT, skill="targeting_analyst", action="linkedin.scrape",
                                     args={"query": "مدراء التسويق"}))
    event = gateway.audit.events(tenant=TENANT)[-1]
    card = factory.from_blocked_event(event, recorded=RWUType.risk_blocked)
    assert card is not None and card.type == CardType.risk and card.action_mode == Mode.blocked
    assert card.context.blocked_reason_ar == result.decision.reason_ar  # the family rule (linkedin.*) decided
    assert card.context.source.proof_recorded and card.proof_impact == RWUType.risk_blocked
    assert card.context.audit_event == event.event_id and card.risk_level == "high"
    assert "محلل الاستهداف" in card.why_now_ar  # the skill by its Arabic name
    assert [b.decision for b in card.buttons] == ["acknowledge", "dismiss"]


def test_a_refusal_for_missing_opt_in_quotes_the_no_opt_in_rule(factory: CardFactory, gateway: Gateway) -> None:
    result = gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="whatsapp.send",
                                     args={"to": "0501234567", "body": "عرض"}, contact_id="c1"))
    assert result.decision.mode == Mode.blocked
    card = factory.from_blocked_event(gateway.audit.events(tenant=TENANT)[-1], recorded=RWUType.contact_blocked)
    assert card is not None and card.context.blocked_reason_ar == gateway.policy.message("no_opt_in").reason_ar
    assert card.proof_impact == RWUType.contact_blocked
    decision_card = factory.from_decision(result.decision, ToolCall(
        tenant=TENANT, skill="execution_governor", action="whatsapp.send", contact_id="c1"))
    assert decision_card is not None and decision_card.context.blocked_reason_ar == result.decision.reason_ar


def test_an_event_that_blocked_nothing_gives_no_card(factory: CardFactory, gateway: Gateway) -> None:
    gateway.invoke(ToolCall(tenant=TENANT, skill="targeting_analyst", action="targeting.rank", args={}))
    assert factory.from_blocked_event(gateway.audit.events(tenant=TENANT)[-1]) is None


def test_a_ranked_target_becomes_an_opportunity_card(factory: CardFactory) -> None:
    targets = demo_service(clock=clock).daily().top
    card = factory.from_target(targets[0].target, rank=1)
    assert card is not None and card.type == CardType.opportunity and card.action_mode == Mode.suggest_only
    target = targets[0].target
    assert target.company_name in card.title_ar and card.context.lead_id == target.lead_id
    assert target.signals[0].evidence in card.why_now_ar
    assert card.proof_impact == RWUType.opportunity_created and card.dedupe_key == f"opportunity:{target.lead_id}"


def test_a_target_no_channel_may_reach_gets_no_card(factory: CardFactory) -> None:
    blocked = [t for t in demo_service(clock=clock).targets() if t.contactability.status == "blocked"]
    assert blocked, "the sample leads include blocked contacts"
    assert factory.from_target(blocked[0], rank=1) is None
    assert all(c.context.lead_id != blocked[0].lead_id for c in factory.from_targets(blocked))


@pytest.mark.parametrize("card_type", [CardType.negotiation, CardType.partner, CardType.deal_followup,
                                       CardType.support, CardType.customer_success, CardType.proof,
                                       CardType.daily_decision])
def test_every_domain_constructor_builds_a_valid_card(factory: CardFactory, texts: CardTexts,
                                                      card_type: CardType) -> None:
    build = getattr(factory, card_type.value)
    card = build(ref="x-1", title_ar="عنوان البطاقة", why_now_ar="لأن الاجتماع غداً.",
                 recommended_action_ar="راجع التوصية.", value_sar=50000.0)
    spec = texts.type_spec(card_type)
    assert card.type == card_type and card.role == spec.role and card.proof_impact == spec.proof_impact
    assert [b.button_id for b in card.buttons] == list(spec.buttons)
    assert any("50,000" in f.value for f in card.context.facts)


def test_a_domain_card_for_an_external_action_needs_its_approval(factory: CardFactory) -> None:
    with pytest.raises(ValueError, match="approval-first"):
        factory.negotiation(ref="d", title_ar="عرض", why_now_ar="الآن", recommended_action_ar="أرسل",
                            action="crm.update")
    with pytest.raises(ValueError, match="approval-first"):
        factory.negotiation(ref="d", title_ar="عرض", why_now_ar="الآن", recommended_action_ar="أرسل",
                            action="whatsapp.send", buttons=["adopt", "not_now"])
    card = factory.negotiation(ref="d", title_ar="عرض", why_now_ar="الآن", recommended_action_ar="أرسل",
                               approval=approval_request())
    assert card.action_mode == Mode.approval_required and card.buttons[0].decision == "approve"
    assert card.context.approval_id == "apr_1" and card.type == CardType.negotiation


def test_card_ids_are_stable_per_source_and_tenant(gateway: Gateway, texts: CardTexts) -> None:
    ours = CardFactory(TENANT, policy=gateway.policy, clock=clock, texts=texts)
    again = CardFactory(TENANT, policy=gateway.policy, clock=lambda: NOW.replace(year=2027), texts=texts)
    theirs = CardFactory(OTHER, policy=gateway.policy, clock=clock, texts=texts)
    assert ours.from_approval(approval_request()).card_id == again.from_approval(approval_request()).card_id
    assert ours.from_approval(approval_request()).card_id != theirs.from_approval(
        approval_request(tenant=OTHER)).card_id
    assert card_id_for(TENANT, CardType.risk, "gateway_event", "e1") != card_id_for(
        TENANT, CardType.risk, "gateway_event", "e2")


def test_every_sentence_the_factory_writes_is_arabic(factory: CardFactory, gateway: Gateway) -> None:
    gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="moyasar.charge", args={"amount": 5}))
    cards = [factory.from_approval(approval_request()),
             factory.from_blocked_event(gateway.audit.events(tenant=TENANT)[-1]),
             *factory.from_targets([p.target for p in demo_service(clock=clock).daily().top])]
    for card in cards:
        assert card is not None
        for text in (card.title_ar, card.why_now_ar, card.recommended_action_ar, *(b.label_ar for b in card.buttons)):
            assert has_arabic(text), text


def test_caller_role_is_not_part_of_the_card(factory: CardFactory) -> None:
    # Cards are addressed by type and approver roles, never by who happens to build them.
    assert "decided_by" not in factory.from_approval(approval_request()).model_dump()
    assert Caller(user_id="u", tenant=TENANT, role=Role.support)  # a caller is a separate fact
