"""The offline intent classifier: Arabic (MSA and Saudi usage) and English requests to the right skill,
refusals before anything else, and the slots a request names."""

from __future__ import annotations

import pytest

from skills.operator.classifier import classify, detect_lang, scores, top_n_of
from skills.operator.intents import load_intents, operator_console_actions


@pytest.mark.parametrize(("text", "intent"), [
    ("رتب لي أفضل ١٠ عملاء اليوم", "targeting_rank"),
    ("وش أفضل الفرص اليوم؟", "targeting_rank"),
    ("Show me today's best 10 leads", "targeting_rank"),
    ("اكتب رد على اعتراض السعر", "negotiation_respond"),
    ("العميل يقول عرضكم غالي", "negotiation_respond"),
    ("the client says we are too expensive", "negotiation_respond"),
    ("وش اللي ينتظر موافقتي؟", "pending_approvals"),
    ("وش اللي ينتظر موافقتي", "pending_approvals"),
    ("أبي أشوف الموافقات", "pending_approvals"),
    ("what's pending for me", "pending_approvals"),
    ("show this week's proof pack", "proof_pack"),
    ("وش أنجزنا هذا الأسبوع؟", "proof_pack"),
    ("اقترح شركاء في جدة", "partners"),
    ("عندي شكوى من عميل ما انحلت", "support"),
    ("show open support tickets", "support"),
    ("السلام عليكم", "help"),
    ("what can you do?", "help"),
])
def test_requests_route_to_their_intent(text: str, intent: str) -> None:
    assert classify(text).intent == intent, scores(text)


@pytest.mark.parametrize("text", ["كم درجة الحرارة في الرياض", "what's the weather", "اكتب قصيدة عن البحر",
                                  "who is in charge of sales", "", "؟؟؟"])
def test_unrelated_requests_are_unknown_not_guessed(text: str) -> None:
    assert classify(text).intent == "unknown"


@pytest.mark.parametrize(("text", "refusal"), [
    ("اسحب بيانات من لينكدإن", "linkedin_automation"),
    ("اسحب بيانات مدراء التسويق من لينكد إن", "linkedin_automation"),
    ("Scrape LinkedIn for marketing managers in Riyadh", "linkedin_automation"),
    ("LINKED IN auto messages please", "linkedin_automation"),
    ("رتب لي أفضل العملاء من لينكدإن", "linkedin_automation"),  # a ranking request does not launder it
    ("scrape the website for emails", "scraping"),
    ("crawl competitor sites for leads", "scraping"),
    ("ارسل واتساب لكل العملاء", "cold_whatsapp"),
    ("أرسلْ رسالة واتساب لجميع القائمة", "cold_whatsapp"),
    ("send whatsapp to all leads now", "cold_whatsapp"),
    ("WhatsApp blast to everyone", "cold_whatsapp"),
    ("أرسل الإيميل مباشرة الآن", "live_email"),
    ("send the emails now without review", "live_email"),
    ("charge the customer 5000 SAR", "charge"),
    ("اخصم المبلغ من بطاقة العميل", "charge"),
    ("اكتب رسالة نضمن فيها زيادة المبيعات ٣٠٪", "guarantee"),
    ("promise guaranteed results in the email", "guarantee"),
    ("ابدأ بخصم ٣٠٪ عشان يوافق", "discount_first"),
    ("lead with a discount to close faster", "discount_first"),
])
def test_forbidden_requests_are_refusals_whatever_the_spelling(text: str, refusal: str) -> None:
    intent = classify(text)
    assert intent.intent == "refusal" and intent.refusal == refusal, intent


def test_diacritics_tatweel_and_arabic_indic_digits_do_not_hide_a_request() -> None:
    assert classify("رَتِّبْ لِي أَفْضَل ١٠ عُمَلاء اليَوْم").intent == "targeting_rank"
    assert classify("لـيـنـكـد ان").intent == "refusal"
    assert top_n_of("أفضل ۷ عملاء") == 7 and top_n_of("top five leads") == 5 and top_n_of("أفضل عشرة") == 10
    assert top_n_of("top 500 leads") is None  # out of range: the default applies


def test_language_and_period_are_read_from_the_request() -> None:
    assert detect_lang("rank my top 10 leads") == "en" and detect_lang("رتب لي top 10") == "ar"
    assert classify("show this week's proof pack").period == "week"
    assert classify("رتب لي أفضل ١٠ عملاء اليوم").period == "today"


def test_every_refusal_names_an_action_the_gateway_blocks_or_none() -> None:
    from tools.policy import load_policy

    policy = load_policy()
    for name, spec in load_intents().refusals.items():
        if spec.action is not None:
            assert spec.action in operator_console_actions()
            blocked = policy.blocked_pattern(spec.action) is not None or policy.rule(spec.action).mode == "blocked"
            assert blocked or policy.rule(spec.action).requires_opt_in, name


def test_every_intent_has_arabic_and_english_examples() -> None:
    for name, spec in load_intents().intents.items():
        assert any(not e.isascii() for e in spec.examples) and any(e.isascii() for e in spec.examples), name
        for example in spec.examples:  # the catalogue's own examples route to their intent
            assert classify(example).intent == name, (name, example, scores(example))
