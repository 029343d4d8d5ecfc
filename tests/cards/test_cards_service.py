"""The card desk: cards from the current state, stored per tenant, each publication audited."""

from __future__ import annotations

import pytest
from cards_support import OTHER, TENANT, blocked_attempt, clock, count_events, pending_whatsapp

from skills.cards.models import CardStatus, CardType
from skills.cards.service import CardService
from skills.cards.store import CardStore
from skills.cards.texts import CardTexts
from skills.targeting.factory import demo_service
from tools.errors import NotFound
from tools.gateway import Gateway
from tools.models import Caller, Role, RWUType


def test_pending_approvals_become_stored_cards_with_stable_ids(service: CardService, gateway: Gateway) -> None:
    approval = pending_whatsapp(gateway)
    first = service.sync()
    assert first.new == 1
    [card] = service.store.cards(TENANT)
    assert card.context.approval_id == approval.approval_id and card.type == CardType.approval
    assert service.sync().new == 0 and [c.card_id for c in service.store.cards(TENANT)] == [card.card_id]
    assert service.card(card.card_id) == card


def test_an_approval_decided_elsewhere_closes_its_card(service: CardService, gateway: Gateway) -> None:
    approval = pending_whatsapp(gateway)
    service.sync()
    gateway.resolve(approval.approval_id, Caller(user_id="u1", tenant=TENANT, role=Role.ceo), "reject")
    report = service.sync()
    assert report.updated == 1 and service.store.cards(TENANT) == []
    [closed] = service.store.cards(TENANT, status=None)
    assert closed.status == CardStatus.rejected


def test_blocked_attempts_become_risk_cards_once(service: CardService, gateway: Gateway) -> None:
    blocked_attempt(gateway)
    assert service.sync_blocked().new == 1
    assert service.sync_blocked().new == 0  # the cursor remembers
    blocked_attempt(gateway, action="moyasar.charge")
    assert service.sync_blocked().new == 1
    risk = [c for c in service.store.cards(TENANT) if c.type == CardType.risk]
    assert {c.context.action for c in risk} == {"linkedin.scrape", "moyasar.charge"}
    assert all(c.context.source.proof_recorded and c.proof_impact == RWUType.risk_blocked for c in risk)


def test_the_same_blocked_attempt_repeated_is_one_decision_in_the_feed(service: CardService,
                                                                       gateway: Gateway) -> None:
    for _ in range(4):
        blocked_attempt(gateway)
    service.sync()
    feed = service.feed(Role.ceo)
    assert len(service.store.cards(TENANT)) == 4 and len(feed.items) == 1 and feed.items[0].duplicates == 3


def test_many_blocked_events_are_read_in_batches(service: CardService, gateway: Gateway) -> None:
    for i in range(7):
        blocked_attempt(gateway, contact_id=f"c{i}")
    assert service.sync_blocked(batch=3).new == 7


def test_every_new_card_is_published_through_the_gateway(service: CardService, gateway: Gateway) -> None:
    pending_whatsapp(gateway)
    blocked_attempt(gateway)
    service.sync(targets=[p.target for p in demo_service(clock=clock).daily().top])
    published = [e for e in gateway.audit.events(tenant=TENANT, limit=1000)
                 if e.kind == "decision" and e.action == "card.publish"]
    cards = service.store.cards(TENANT)
    assert len(published) == len(cards) > 2
    assert {e.payload["args"]["card_id"] for e in published} == {c.card_id for c in cards}
    assert all(e.payload["skill"] == "ux_card_designer" and e.payload["mode"] == "suggest_only" for e in published)
    service.sync(targets=[p.target for p in demo_service(clock=clock).daily().top])
    assert count_events(gateway, "decision") == len(published) + 2  # no second publication


def test_a_card_the_policy_refuses_to_publish_is_not_stored(gateway: Gateway, texts: CardTexts) -> None:
    gateway._skills.pop("ux_card_designer")  # as if the registry no longer granted card.publish
    service = CardService(TENANT, gateway=gateway, clock=clock, texts=texts)
    pending_whatsapp(gateway)
    report = service.sync()
    assert report.refused == 1 and report.new == 0 and service.store.cards(TENANT) == []
    events = gateway.audit.events(tenant=TENANT, limit=1000)
    assert any(e.action == "card.publish" and e.payload["mode"] == "blocked" for e in events)
    assert service._risk_cards(events) == []  # a refused publication makes no card about itself


def test_tenants_never_see_each_others_cards(gateway: Gateway, texts: CardTexts) -> None:
    ours = CardService(TENANT, gateway=gateway, clock=clock, texts=texts)
    theirs = CardService(OTHER, gateway=gateway, clock=clock, texts=texts)
    pending_whatsapp(gateway)
    blocked_attempt(gateway)
    ours.sync()
    theirs.sync()
    assert ours.store.cards(TENANT) and theirs.store.cards(OTHER) == []
    assert theirs.feed(Role.ceo).items == []
    card_id = ours.store.cards(TENANT)[0].card_id
    with pytest.raises(NotFound) as caught:
        theirs.card(card_id)
    assert caught.value.code == "card_not_found"


def test_opportunity_cards_keep_their_first_sighting_and_refresh_while_open(service: CardService) -> None:
    picks = [p.target for p in demo_service(clock=clock).daily().top]
    service.sync_targets(picks)
    before = {c.card_id: c.created_at for c in service.store.cards(TENANT)}
    service.sync_targets(picks)
    assert {c.card_id: c.created_at for c in service.store.cards(TENANT)} == before


def test_the_store_refuses_nothing_it_should_keep(gateway: Gateway) -> None:
    store = CardStore(gateway.store)
    assert store.cards("nobody") == [] and store.cursor("nobody", "audit_seq") == 0
