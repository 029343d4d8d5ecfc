"""The command feed: ordered by urgency, impact and risk; duplicates folded; one feed per role (from data)."""

from __future__ import annotations

from datetime import timedelta

from cards_support import NOW, approval_request

from skills.cards.factory import CardFactory
from skills.cards.feed import build_feed, visible_to
from skills.cards.models import Card, CardStatus, CardType
from skills.cards.texts import CardTexts
from tools.models import Role


def _card(factory: CardFactory, ref: str, *, card_type: CardType = CardType.deal_followup, urgency: int = 50,
          impact: int = 50, risk: str = "low", dedupe: str | None = None, role: Role | None = None,
          due_hours: float | None = None) -> Card:
    return factory.domain_card(card_type, ref=ref, title_ar=f"متابعة {ref}", why_now_ar="موعد قريب.",
                               recommended_action_ar="تابع العميل.", urgency=urgency, impact=impact,
                               risk_level=risk, dedupe_key=dedupe, role=role,  # type: ignore[arg-type]
                               due_at=NOW + timedelta(hours=due_hours) if due_hours is not None else None)


def _ids(cards: list[Card], role: Role, texts: CardTexts, **kwargs: object) -> list[str]:
    feed = build_feed(cards, role, texts, now=NOW, **kwargs)  # type: ignore[arg-type]
    return [item.card.context.source.ref for item in feed.items]


def test_more_urgent_more_valuable_and_riskier_cards_come_first(factory: CardFactory, texts: CardTexts) -> None:
    cards = [_card(factory, "calm", urgency=20, impact=20), _card(factory, "urgent", urgency=95, impact=40),
             _card(factory, "valuable", urgency=40, impact=95), _card(factory, "risky", urgency=40, impact=40,
                                                                      risk="high")]
    order = _ids(cards, Role.sales_manager, texts)
    assert order[0] == "urgent" and order[-1] == "calm"
    assert order.index("valuable") < order.index("risky") < order.index("calm")


def test_equal_scores_go_by_deadline_then_age_then_id(factory: CardFactory, texts: CardTexts) -> None:
    cards = [_card(factory, "no_deadline"), _card(factory, "late", due_hours=30), _card(factory, "soon", due_hours=2)]
    assert _ids(cards, Role.sales_manager, texts) == ["soon", "late", "no_deadline"]
    assert _ids(list(reversed(cards)), Role.sales_manager, texts) == ["soon", "late", "no_deadline"]


def test_duplicates_are_folded_into_the_best_card(factory: CardFactory, texts: CardTexts) -> None:
    cards = [_card(factory, "a", dedupe="deal:7", urgency=30), _card(factory, "b", dedupe="deal:7", urgency=90),
             _card(factory, "c", dedupe="deal:7", urgency=60), _card(factory, "d", dedupe="deal:8")]
    feed = build_feed(cards, Role.sales_manager, texts, now=NOW)
    assert [i.card.context.source.ref for i in feed.items] == ["b", "d"]
    assert feed.items[0].duplicates == 2 and feed.duplicates_dropped == 2 and feed.total == 2


def test_two_approvals_for_the_same_exact_action_are_one_decision(factory: CardFactory, texts: CardTexts) -> None:
    one = factory.from_approval(approval_request(approval_id="apr_1", digest="same"))
    two = factory.from_approval(approval_request(approval_id="apr_2", digest="same"))
    other = factory.from_approval(approval_request(approval_id="apr_3", digest="different"))
    assert one.card_id != two.card_id
    assert len(build_feed([one, two, other], Role.sales_manager, texts, now=NOW).items) == 2


def test_closed_cards_leave_the_feed(factory: CardFactory, texts: CardTexts) -> None:
    open_card = _card(factory, "open")
    closed = _card(factory, "closed").model_copy(update={"status": CardStatus.accepted})
    assert _ids([open_card, closed], Role.sales_manager, texts) == ["open"]


def test_each_role_sees_the_types_its_feed_lists(factory: CardFactory, texts: CardTexts) -> None:
    cards = [factory.domain_card(t, ref=t.value, title_ar="بطاقة", why_now_ar="الآن.", recommended_action_ar="راجع.")
             for t in CardType if t != CardType.approval]
    for role in Role:
        seen = {c.type for c in cards if visible_to(c, role, texts)}
        expected = {c.type for c in cards if c.type in texts.data.feeds[role] or c.role == role}
        assert seen == expected, role
    assert {c.type for c in cards if visible_to(c, Role.support, texts)} >= {CardType.support}
    assert not any(visible_to(c, Role.support, texts) for c in cards if c.type == CardType.opportunity)
    assert all(visible_to(c, Role.ceo, texts) for c in cards)


def test_an_approval_card_reaches_only_the_roles_that_may_approve(factory: CardFactory, texts: CardTexts) -> None:
    card = factory.from_approval(approval_request(roles=(Role.ceo, Role.sales_manager)))
    assert CardType.approval in texts.data.feeds[Role.support]  # support sees approvals in general...
    assert not visible_to(card, Role.support, texts)  # ...but not one it may not approve
    assert visible_to(card, Role.sales_manager, texts) and visible_to(card, Role.ceo, texts)
    assert not visible_to(card, Role.growth_manager, texts)


def test_a_card_addressed_to_a_role_is_in_its_feed_whatever_the_type(factory: CardFactory,
                                                                     texts: CardTexts) -> None:
    card = _card(factory, "x", card_type=CardType.partner, role=Role.support)
    assert CardType.partner not in texts.data.feeds[Role.support]
    assert _ids([card], Role.support, texts) == ["x"]


def test_the_feed_rules_are_data(factory: CardFactory, texts: CardTexts) -> None:
    card = _card(factory, "x", card_type=CardType.negotiation)
    assert not visible_to(card, Role.support, texts)
    feeds = dict(texts.data.feeds)
    feeds[Role.support] = (*feeds[Role.support], CardType.negotiation)
    widened = CardTexts(texts.data.model_copy(update={"feeds": feeds}), texts.digest)
    assert visible_to(card, Role.support, widened)


def test_limit_and_type_filter(factory: CardFactory, texts: CardTexts) -> None:
    cards = [_card(factory, f"c{i}", urgency=i) for i in range(30)]
    cards.append(factory.negotiation(ref="n", title_ar="تفاوض", why_now_ar="الآن.", recommended_action_ar="تمسّك."))
    feed = build_feed(cards, Role.sales_manager, texts, now=NOW, limit=5)
    assert len(feed.items) == 5 and feed.total == 31
    only = build_feed(cards, Role.sales_manager, texts, now=NOW, types=[CardType.negotiation])
    assert [i.card.type for i in only.items] == [CardType.negotiation]
