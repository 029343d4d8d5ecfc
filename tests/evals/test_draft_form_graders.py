"""The form graders catch what users met on main (issue 22): each failure text fails its own check."""

from __future__ import annotations

from evals.graders.draft_form import form_checks
from evals.graders.drafts import DraftText, LeadFacts, LeadSignal, load_draft_rules

RULES = load_draft_rules()
AL_NOOR = LeadFacts(company_name="Al Noor", contact_name="خالد العتيبي", city="الرياض",
                    signals=(LeadSignal(kind="hiring"),))
TEST_TECH = LeadFacts(company_name="Test Tech Co", contact_name="سارة القحطاني", email="sara@testtech.example.sa")
GOOD = ("السلام عليكم أ. خالد العتيبي،\n\nعلمنا أن \u2068Al Noor\u2069 تعلن عن توظيفات جديدة هذه الفترة.\n\n"
        "هل يناسبكم اتصال قصير هذا الأسبوع؟\n\nمع خالص التحية،\nفريق Dealix")


def failed(body: str, *, subject: str | None = "بخصوص التوظيفات الجديدة في \u2068Al Noor\u2069",
           lead: LeadFacts = AL_NOOR, channel: str = "email") -> set[str]:
    draft = DraftText(channel=channel, language="ar", subject=subject, body=body)  # type: ignore[arg-type]
    checks = form_checks(draft, lead, RULES, other_leads=[TEST_TECH], sender_text="Dealix نساعد فرق المبيعات")
    return {c.name for c in checks if not c.passed}


def test_a_good_draft_passes_every_form_check() -> None:
    assert failed(GOOD) == set()


def test_another_leads_company_in_the_subject_is_a_leak() -> None:
    assert "no_leakage" in failed(GOOD, subject="فكرة قصيرة لـTest Tech Co")


def test_the_mail_merge_claim_is_not_grounded_and_not_specific() -> None:
    body = ("السلام عليكم خالد العتيبي،\n\nنتواصل معكم من Dealix لأننا نعمل مع فرق المبيعات في قطاع التقنية في الرياض."
            "\n\nهل يناسبكم اتصال قصير؟\n\nمع خالص التحية،\nفريق Dealix")
    assert {"grounded", "specific", "arabic_form"} <= failed(body, subject="فكرة قصيرة")


def test_latin_city_unknown_greeting_and_glued_lam_break_the_arabic_form() -> None:
    for body in (GOOD.replace("هذه الفترة", "في Riyadh"), GOOD.replace("أ. خالد العتيبي", "Unknown"),
                 GOOD.replace("تعلن", "لـAl Noor تعلن"), GOOD.replace("\u2068Al Noor\u2069", "Al Noor Technology Co.")):
        assert "arabic_form" in failed(body), body


def test_a_situation_the_lead_does_not_have_is_not_grounded() -> None:
    assert "grounded" in failed(GOOD.replace("هذه الفترة", "بعد جولة التمويل"))


def test_a_subject_that_says_what_the_body_does_not_fails() -> None:
    assert "subject_matches_body" in failed(GOOD, subject="بخصوص المنافسة المطروحة")
