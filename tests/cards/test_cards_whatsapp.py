"""WhatsApp rendering: every card, for every role and type, with hostile text, inside the platform's limits."""

from __future__ import annotations

import unicodedata

import pytest
from cards_support import HOSTILE_TEXTS, TENANT, approval_request, blocked_attempt, domain_card, opt_in
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.cards.arabic import fit, utf16_len
from skills.cards.factory import CardFactory
from skills.cards.models import Card, CardStatus, CardType
from skills.cards.texts import CardTexts
from skills.cards.whatsapp import (
    BODY_MAX,
    BUTTON_ID_MAX,
    BUTTON_TITLE_MAX,
    FOOTER_MAX,
    HEADER_MAX,
    MAX_BUTTONS,
    TEXT_MAX,
    WhatsAppCard,
    render_card,
    send_call,
)
from tools.gateway import Gateway
from tools.models import Mode, Role


def assert_within_limits(rendering: WhatsAppCard) -> None:
    interactive = rendering.interactive
    buttons = interactive.action.buttons
    assert 1 <= len(buttons) <= MAX_BUTTONS
    assert all(0 < utf16_len(b.reply.title) <= BUTTON_TITLE_MAX for b in buttons)
    assert all(0 < len(b.reply.id) <= BUTTON_ID_MAX for b in buttons)
    assert len({b.reply.id for b in buttons}) == len(buttons) and len({b.reply.title for b in buttons}) == len(buttons)
    assert 0 < utf16_len(interactive.body.text) <= BODY_MAX
    assert 0 < utf16_len(interactive.header.text) <= HEADER_MAX and "\n" not in interactive.header.text
    assert 0 < utf16_len(interactive.footer.text) <= FOOTER_MAX
    assert utf16_len(rendering.text) <= TEXT_MAX
    for text in (interactive.body.text, interactive.header.text, rendering.text):
        assert not unicodedata.combining(text[0]), "a text may not start with a detached mark"
    for option in rendering.options:
        assert f"{option.number}. {option.title}" in rendering.text


def _all_cards(factory: CardFactory, gateway: Gateway, text: str) -> list[Card]:
    cards = [domain_card(factory, t, role, text, ref=f"{t.value}-{role.value}")
             for t in CardType if t != CardType.approval for role in Role]
    approval = approval_request(args={"to": "+966501234567", "subject": text, "body": text})
    cards.append(factory.from_approval(approval, company_name=text))
    arabic = "تنبيه " + text
    cards += [factory.negotiation(ref="n", title_ar=arabic, why_now_ar=arabic, recommended_action_ar=arabic,
                                  approval=approval)]
    cards += [factory.domain_card(CardType.risk, ref="r", title_ar=arabic, why_now_ar=arabic,
                                  recommended_action_ar=arabic, blocked_reason_ar=arabic)]
    return cards


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=[f"hostile{i}" for i in range(len(HOSTILE_TEXTS))])
def test_every_role_and_type_renders_within_the_limits(factory: CardFactory, gateway: Gateway, texts: CardTexts,
                                                       text: str) -> None:
    cards = _all_cards(factory, gateway, text)
    assert {c.type for c in cards} == set(CardType)
    for card in cards:
        for status in (CardStatus.open, CardStatus.approved):
            assert_within_limits(render_card(card.model_copy(update={"status": status}), texts))


def test_factory_cards_from_real_events_render_within_the_limits(factory: CardFactory, gateway: Gateway,
                                                                 texts: CardTexts) -> None:
    for action in ("linkedin.scrape", "moyasar.charge", "gmail.send", "social.browser_automation"):
        blocked_attempt(gateway, action=action)
    cards = [factory.from_blocked_event(e) for e in gateway.audit.events(tenant=TENANT)]
    for card in cards:
        assert card is not None
        rendering = render_card(card, texts)
        assert_within_limits(rendering)
        assert (card.context.blocked_reason_ar or "")[:40] in rendering.interactive.body.text


def test_a_short_card_is_rendered_whole(factory: CardFactory, texts: CardTexts) -> None:
    card = factory.deal_followup(ref="d1", title_ar="متابعة عرض شركة النخبة", why_now_ar="مرّ أسبوع على إرسال العرض.",
                                 recommended_action_ar="جهّز رسالة متابعة قصيرة.")
    rendering = render_card(card, texts)
    body = rendering.interactive.body.text
    assert "متابعة عرض شركة النخبة" in body and "مرّ أسبوع على إرسال العرض." in body and "…" not in body
    assert [o.title for o in rendering.options] == [b.label_ar for b in card.buttons]
    assert rendering.options[0].reply_id == f"{card.card_id}:follow_up"
    assert "1. جهّز المتابعة" in rendering.text and "2. ليست أولوية الآن" in rendering.text
    message = rendering.message("966501234567")
    assert message["type"] == "interactive" and message["interactive"]["type"] == "button"  # type: ignore[index]


def test_long_text_is_cut_at_a_word_boundary_with_an_ellipsis(texts: CardTexts, factory: CardFactory) -> None:
    words = "الرياض جدة الدمام مكة المدينة " * 100
    cut = fit(words, 60)
    assert utf16_len(cut) <= 60 and cut.endswith("…")
    assert cut[:-1].split()[-1] in {"الرياض", "جدة", "الدمام", "مكة", "المدينة"}  # a whole word before the …


def test_a_letter_is_never_separated_from_its_marks() -> None:
    word = "مُؤَسَّسَةُ" * 20  # every letter carries a mark; no space to cut at
    for limit in range(2, 80):
        cut = fit(word, limit)
        head = cut.removesuffix("…")
        assert utf16_len(cut) <= limit and word.startswith(head)
        assert not unicodedata.combining(word[len(head)]), f"a mark was cut off its letter at {limit}"


def test_emoji_with_modifiers_and_joiners_stay_whole() -> None:
    family = "👩🏽‍💼"
    for limit in range(2, 30):
        head = fit(family * 10, limit).removesuffix("…")
        assert head == family * (len(head) // len(family)), limit


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=3000), st.integers(min_value=1, max_value=1100))
def test_fit_never_exceeds_its_limit(text: str, limit: int) -> None:
    result = fit(text, limit)
    assert utf16_len(result) <= limit
    if utf16_len(text.strip()) <= limit:
        assert result == text.strip()


def test_sending_a_rendered_card_stays_behind_the_gateway(factory: CardFactory, gateway: Gateway,
                                                          texts: CardTexts) -> None:
    card = factory.from_approval(approval_request())
    rendering = render_card(card, texts)
    cold = gateway.invoke(send_call(TENANT, rendering, to="+966501234567", contact_id="manager-1"))
    assert cold.decision.mode == Mode.blocked and cold.decision.reason_code == "no_opt_in"
    opt_in(gateway, "manager-1")
    asked = gateway.invoke(send_call(TENANT, rendering, to="+966501234567", contact_id="manager-1"))
    assert asked.decision.mode == Mode.approval_required and asked.execution is None
    assert asked.approval is not None and asked.approval.action_request.args["body"] == rendering.text
