"""Drafts a Saudi sales manager would send (issue 22): grounded in the lead, addressed and written correctly."""

from __future__ import annotations

from pydantic_ai import models

from agents.copywriter import Draft, LeadBrief
from agents.models import build_copywriter
from dealix.settings import Settings
from tools.pii import PiiMasker

models.ALLOW_MODEL_REQUESTS = False
MASKER = PiiMasker(b"k" * 32)
FSI, PDI = "\u2068", "\u2069"


def _write(**fields: object) -> Draft:
    base: dict[str, object] = {"lead_id": "ld_1", "channel": "email", "language": "ar",
                               "company_name": "Al Noor Technology Co.", "contact_points": ("x@alnoor.example.sa",)}
    return build_copywriter(Settings(), MASKER).write(LeadBrief.model_validate({**base, **fields}))


def test_the_reason_for_writing_is_the_leads_signal_with_its_field() -> None:
    draft = _write(signals=[{"kind": "hiring", "field": "notes", "evidence": "Hiring 20 drivers"}])
    assert "توظيفات" in draft.body and "التوظيفات" in (draft.subject or "")
    assert draft.situation == "hiring"
    assert ("hiring", "notes") in {(g.fact, g.field) for g in draft.grounds}


def test_no_unchecked_claim_about_sector_and_city_and_less_said_without_a_signal() -> None:
    draft = _write(sector="technology", city="الرياض")
    assert "نعمل مع" not in draft.body and "قطاع" not in draft.body and "الرياض" not in draft.body
    assert draft.situation == "general" and not any(g.field == "notes" for g in draft.grounds)


def test_latin_names_and_cities_are_written_for_an_arabic_reader() -> None:
    draft = _write(contact_name="Dr. Sara Al-Harbi", title="CFO", city="Riyadh",
                   signals=[{"kind": "expansion", "field": "notes"}])
    text = f"{draft.subject}\n{draft.body}"
    assert "السلام عليكم د. سارة الحربي،" in draft.body
    assert "Riyadh" not in text and "Dr." not in text
    assert f"{FSI}Al Noor Technology Co.{PDI}" in text  # never ".Al Noor Technology Co" on an RTL screen
    assert "لـ" + FSI not in text and "لـAl" not in text


def test_unknown_is_never_a_greeting_and_whatsapp_names_the_sender_once() -> None:
    draft = _write(channel="whatsapp", contact_name="Unknown", signals=[{"kind": "event_met", "field": "source"}])
    assert "Unknown" not in draft.body and draft.body.startswith("السلام عليكم، حياكم الله.")
    assert draft.body.count("Dealix") == 1
    assert "الفعالية" in draft.body and "«إيقاف»" in draft.body


def test_the_ceo_and_the_cfo_of_one_company_get_different_emails() -> None:
    signals = [{"kind": "tender", "field": "notes"}]
    ceo = _write(lead_id="ld_ceo", contact_name="Khalid Al-Otaibi", title="CEO", signals=signals)
    cfo = _write(lead_id="ld_cfo", contact_name="Sara Al-Harbi", title="CFO", signals=signals)
    ceo_lines, cfo_lines = ceo.body.split("\n\n")[1:3], cfo.body.split("\n\n")[1:3]
    assert ceo_lines[0] != cfo_lines[0] and ceo_lines[1] != cfo_lines[1]  # opening and ask both differ
    assert "المنافسة" in (ceo.subject or "") and "منافسة" in ceo.body


def test_the_senders_claim_comes_from_the_sender_profile_only() -> None:
    from agents.copywriter import SenderProfile

    quiet = SenderProfile(company="Acme", signature_ar="فريق Acme", signature_en="The Acme team")
    draft = build_copywriter(Settings(), MASKER, sender=quiet).write(
        LeadBrief(lead_id="ld_1", channel="email", language="ar", company_name="شركة النور"))
    assert "نساعد" not in draft.body and draft.body.count("Acme") == 1
