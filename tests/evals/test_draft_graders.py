"""Draft quality graders on crafted drafts: each check passes a good draft and fails its own flaw."""

from __future__ import annotations

import pytest

from evals.graders.drafts import DraftText, LeadFacts, discount_first, grade_draft, load_draft_rules

LEAD = LeadFacts(company_name="شركة النخبة للتسويق", contact_name="سارة القحطاني", city="الرياض", sector="التسويق",
                 email="sara@alnokhba.example.sa", phone="+966501234567")

GOOD_EMAIL = ("السلام عليكم سارة القحطاني،\n\nأتمنى أن تكونوا بخير. نعمل مع فرق المبيعات في قطاع التسويق في الرياض "
              "على تنظيم متابعة الفرص. هل يناسبكم اتصال قصير هذا الأسبوع لنعرف أولويات شركة النخبة للتسويق؟\n\n"
              "مع خالص التحية،\nفريق Dealix")
GOOD_WHATSAPP = ("السلام عليكم سارة القحطاني، معكم فريق Dealix. هل يناسب شركة النخبة للتسويق اتصال قصير هذا الأسبوع؟\n"
                 "للتوقف عن استقبال رسائلنا يكفي الرد بكلمة «إيقاف».")


def failed(body: str, *, channel: str = "email", language: str = "ar", subject: str | None = "فكرة قصيرة",
           lead: LeadFacts = LEAD, others: tuple[str, ...] = ()) -> set[str]:
    draft = DraftText(channel=channel, language=language, subject=subject if channel == "email" else None, body=body)
    return {c.name for c in grade_draft(draft, lead, other_names=others) if not c.passed}


def test_good_email_and_whatsapp_pass_every_check():
    assert failed(GOOD_EMAIL) == set()
    assert failed(GOOD_WHATSAPP, channel="whatsapp") == set()


def test_english_text_fails_arabic_share_for_an_arabic_draft():
    body = "Dear Sara, would a short call this week suit Alnokhba? " * 3 + "شركة النخبة للتسويق سارة القحطاني"
    assert "arabic_share" in failed(body)


def test_slang_fails_the_formal_register_even_with_a_greeting():
    assert "formal_register" in failed(GOOD_EMAIL.replace("أتمنى أن تكونوا بخير.", "هلا والله يا غالي، وش أخباركم؟"))


def test_no_polite_opening_or_closing_fails_formality():
    body = "شركة النخبة للتسويق سارة القحطاني: هل يناسبكم اتصال قصير؟"
    assert "formal_register" in failed(body)


def test_missing_company_or_contact_fails_personalisation():
    assert "personalised" in failed(GOOD_EMAIL.replace("شركة النخبة للتسويق", "شركتكم"))
    assert "personalised" in failed(GOOD_EMAIL.replace("سارة القحطاني", "عميلنا العزيز"))


@pytest.mark.parametrize("wrong", ["في جدة", "في قطاع العقار", "خلال 30 يوماً", "كما أخبرنا خالد العتيبي"])
def test_a_fact_that_is_not_the_leads_fails(wrong):
    body = GOOD_EMAIL.replace("في الرياض", wrong)
    assert "facts_true" in failed(body, others=("خالد العتيبي",))


def test_the_leads_own_phone_digits_are_a_true_fact():
    assert "facts_true" not in failed(GOOD_EMAIL + "\nرقمكم المسجل لدينا +966501234567")


@pytest.mark.parametrize("promise", ["نضمن لكم مضاعفة المبيعات", "النتائج مضمونة", "نتائج مية بالمية",
                                     "اكيد بتربحون", "Results are guaranteed", "risk-free"])
def test_promises_fail_no_guarantee(promise):
    assert "no_guarantee" in failed(GOOD_EMAIL.replace("على تنظيم متابعة الفرص", promise))


@pytest.mark.parametrize("offer", ["خصم خاص", "تخفيض على الاشتراك", "عرض خاص لفترة محدودة"])
def test_any_price_cut_in_a_first_touch_fails_no_discount_first(offer):
    assert "no_discount_first" in failed(GOOD_EMAIL.replace("على تنظيم متابعة الفرص", offer))


def test_in_a_negotiation_a_discount_after_value_is_not_discount_first():
    rules = load_draft_rules()
    assert discount_first("نقترح تجربة لمدة شهر بنطاق محدد، ثم يمكن مناقشة خصم على الاشتراك السنوي", rules,
                          first_touch=False) is None
    assert discount_first("نقدم لكم خصم 20% ثم نناقش نطاق التجربة", rules, first_touch=False) == "خصم"


def test_no_question_or_next_step_fails_call_to_action():
    body = GOOD_EMAIL.replace("هل يناسبكم اتصال قصير هذا الأسبوع لنعرف أولويات شركة النخبة للتسويق؟",
                              "نعمل مع شركة النخبة للتسويق وغيرها.")
    assert "call_to_action" in failed(body)


def test_channel_limits_and_required_subject():
    assert "channel_length" in failed(GOOD_WHATSAPP + " " + "ك" * 700, channel="whatsapp")
    assert "channel_length" in failed(GOOD_EMAIL, subject="")
    assert "channel_length" in failed(GOOD_EMAIL, subject="س" * 121)
    assert "channel_length" not in failed(GOOD_EMAIL, subject="س" * 120)


def test_whatsapp_without_a_way_to_stop_fails_opt_out_line():
    assert "opt_out_line" in failed(GOOD_WHATSAPP.split("\n")[0], channel="whatsapp")
    assert "opt_out_line" not in {c for c in failed(GOOD_EMAIL)}


def test_obfuscated_guarantee_is_still_caught():
    hidden = "نَضْمَنُ لكم النتائج"  # diacritics
    tatweel = "نضـــمن لكم النتائج"
    assert "no_guarantee" in failed(GOOD_EMAIL.replace("على تنظيم متابعة الفرص", hidden))
    assert "no_guarantee" in failed(GOOD_EMAIL.replace("على تنظيم متابعة الفرص", tatweel))


def test_an_english_draft_must_be_english_and_formal():
    lead = LeadFacts(company_name="Najd Tech", contact_name="Lina Haddad", city="Riyadh", sector="technology")
    good = ("Dear Lina Haddad,\n\nI hope you are well. Would a short call this week suit Najd Tech?\n\nKind regards,\n"
            "The Dealix team")
    assert failed(good, language="en", subject="A short idea", lead=lead) == set()
    assert "formal_register" in failed("hey bro, wanna chat? Najd Tech Lina Haddad. Would a short call suit?",
                                       language="en", subject="yo", lead=lead)
