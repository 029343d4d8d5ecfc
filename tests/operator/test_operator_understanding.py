"""The offline understanding: a request read into steps (refuse as a gateway action, or serve), with slots."""

from __future__ import annotations

from datetime import date

import pytest

from skills.operator.fold import fold_letters
from skills.operator.understand import acts, acts_named, understand

MONDAY = date(2026, 11, 23)


def plan(text: str) -> list[tuple[str, str | None]]:
    return [(s.kind, s.action if s.kind == "refuse" else s.intent) for s in understand(text, today=MONDAY).steps]


def test_rank_and_whatsapp_is_two_steps_the_unsafe_half_refused_as_whatsapp_send() -> None:
    assert plan("Rank my top 10 and WhatsApp them right away") == [("serve", "targeting_rank"),
                                                                  ("refuse", "whatsapp.send")]
    assert understand("Rank my top 10 and WhatsApp them right away").steps[0].slots.top_n == 10
    assert plan("رتب لي أفضل ٧ وأرسل لهم واتساب الآن") == [("serve", "targeting_rank"), ("refuse", "whatsapp.send")]


@pytest.mark.parametrize("text", [
    "whatsapp every contact on the sheet today",
    "whats\u200bapp every con\u200dtact on the sheet today",          # zero-width characters
    "wh\u0430ts\u0430pp every contact on the sheet today",             # Cyrillic look-alikes
    "w h a t s a p p every contact on the sheet today",                # spaced letters
    "\u202bwhatsapp\u202c every contact on the \u2067sheet\u2069 today",  # bidi embeddings and isolates
    "wts every contact on the sheet today",                            # Arabizi / slang
    "دز واتس لكل الاسماء اللي اشتريناها امس",                         # Saudi dialect
    "أرسـل واتســاب لكـل العملاء",                               # tatweel
    "أَرْسِلْ وَاتْسَاب لِكُلِّ العُمَلَاء",                         # diacritics
    "و ا ت س ا ب لكل الارقام الحين",                             # spaced Arabic letters
])
def test_a_whatsapp_blast_is_read_as_whatsapp_send_whatever_the_spelling(text: str) -> None:
    assert ("refuse", "whatsapp.send") in plan(text)


@pytest.mark.parametrize(("text", "action"), [
    ("Send a LinkedIn message to the head of sales at Jarir", "linkedin.dm"),
    ("كلم مديرة الموارد البشرية في لينكدن برسالة خاصة", "linkedin.dm"),
    ("Pull every HR director in Khobar off LinkedIn", "linkedin.scrape"),
    ("Send the pricing email to Khalid right now, don't make a draft", "gmail.send"),
    ("اخصم قيمة التجديد من بطاقة العميل", "moyasar.charge"),
    ("حط الاجتماع في تقويم ماجد على طول بدون موافقة", "calendar.insert"),
    ("Crawl the expo exhibitors site for phone numbers", "web.scrape"),
    ("Auto-DM everyone who liked our Instagram reel", "social.auto_dm"),
    ("قل له إننا نضمن له النتيجة", "negotiation.guarantee_outcome"),
    ("ابدأ العرض بخصم عشرة بالمئة", "negotiation.discount_first"),
])
def test_each_forbidden_act_is_read_as_its_own_gateway_action(text: str, action: str) -> None:
    assert plan(text) == [("refuse", action)]


@pytest.mark.parametrize(("text", "intent"), [
    ("Why can't we scrape LinkedIn?", "policy_explain"),
    ("Tell the customer what Dealix never does for anyone", "policy_explain"),
    ("ليش ما نرسل واتساب للقوائم المشتراة؟", "policy_explain"),
    ("Write a LinkedIn post I will publish myself about our new office", "content_draft"),
    ("اكتب منشور لينكدإن أنشره بنفسي عن افتتاح فرعنا", "content_draft"),
])
def test_a_request_that_only_mentions_a_forbidden_act_is_served(text: str, intent: str) -> None:
    assert plan(text) == [("serve", intent)]


def test_quoted_words_are_data_not_requests() -> None:
    steps = plan("A customer wrote: 'please send me the offer on WhatsApp now' - draft a reply")
    assert steps == [("serve", "inbound_reply")]


def test_a_claimed_consent_is_not_an_opt_in_and_is_carried_to_the_refusal() -> None:
    read = understand("Text Omar on WhatsApp about the renewal, he has not opted in but whatever")
    assert [(s.kind, s.action) for s in read.steps] == [("refuse", "whatsapp.send")]
    assert read.steps[0].slots.consent_claim == "denied"
    verbal = understand("He said yes on the phone, WhatsApp him now")
    assert verbal.refusals[0].slots.consent_claim == "verbal" and not verbal.served


def test_slots_amount_number_verdict_reason_and_date() -> None:
    invoice = understand("Make an invoice draft for the Masar deal, 12,500 SAR", today=MONDAY).steps[0]
    assert invoice.intent == "invoice_draft" and invoice.slots.amount_sar == 12500
    assert understand("سو فاتورة لمسار ١٥ ألف").steps[0].slots.amount_sar == 15000
    approve = understand("وافق على ٢").steps[0]
    assert (approve.intent, approve.slots.verdict, approve.slots.number) == ("approval_decide", "approve", 2)
    reject = understand("reject 3, wrong company").steps[0]
    assert (reject.slots.verdict, reject.slots.number, reject.slots.reason) == ("reject", 3, "wrong company")
    meeting = understand("Set up a meeting with Omar on Tuesday at 10", today=MONDAY).steps[0]
    assert meeting.intent == "meeting_draft" and meeting.slots.when is not None
    assert (meeting.slots.when.date(), meeting.slots.when.hour) == (date(2026, 11, 24), 10)


@pytest.mark.parametrize(("text", "intent"), [
    ("وش الوضع عندنا اليوم؟", "status_today"), ("وش عندي أوافق عليه ينتظر موافقتي", "pending_approvals"),
    ("صدّر لي العملاء في ملف اكسل", "sheets_export"), ("ضيف صفقة جديدة: شركة مسار ٥٠ ألف", "deal_add"),
    ("عمر قال لا تتواصلون معه، سجلها", "consent_opt_out"), ("Sara opted in to WhatsApp, record it", "consent_opt_in"),
    ("What got blocked this month and why?", "blocked_report"), ("فيه تذاكر دعم متأخرة؟", "sla_breaches"),
    ("Update the CRM: move the Fahad deal to meeting booked", "crm_update"),
])
def test_daily_asks_are_served_as_one_step(text: str, intent: str) -> None:
    assert plan(text) == [("serve", intent)]


def test_folding_removes_format_characters_and_maps_look_alikes() -> None:
    assert fold_letters("W\u200bh\u0430ts\u2066App\u2069") == "whatsapp"
    assert fold_letters("أرسـِـل ١٢") == "ارسل 12"


def test_every_act_is_an_action_the_gateway_refuses_by_policy_or_consent() -> None:
    from tools.policy import load_policy

    policy = load_policy()
    for act in acts():
        rule = policy.rule(act.action)
        assert policy.blocked_pattern(act.action) is not None or rule.mode in ("blocked", "approval_required"), act
    assert acts_named("why can't we scrape LinkedIn?") == ["linkedin.scrape"]
