"""PII masking: Saudi phones in every spelling, emails, ids, IBANs, names; ordinary text untouched."""

from __future__ import annotations

import pytest

from tools.pii import PiiMasker

M = PiiMasker(b"k" * 32)


@pytest.mark.parametrize("phone", [
    "0550001234", "055 000 1234", "055-000-1234", "550001234", "966550001234", "+966550001234",
    "+966 55 000 1234", "00966550001234", "٠٥٥٠٠٠١٢٣٤", "۰۵۵۰۰۰۱۲۳۴", "+٩٦٦٥٥٠٠٠١٢٣٤", "011 234 5678",
    "920012345", "8001234567",
])
def test_every_spelling_of_a_saudi_number_is_masked(phone: str) -> None:
    masked = M.mask_text(f"اتصل على {phone} اليوم")
    assert "[PHONE:" in masked or "[NUMBER:" in masked or "[ID:" in masked
    digits = "".join(ch for ch in phone if ch.isdigit())
    assert digits not in masked and phone not in masked


def test_one_number_spelled_differently_gets_one_pseudonym() -> None:
    assert M.mask_text("0550001234") == M.mask_text("+966 55 000 1234") == M.mask_text("٠٥٥٠٠٠١٢٣٤")


@pytest.mark.parametrize(("text", "kind"), [
    ("راسل khalid.alharbi@example.sa الآن", "EMAIL"),
    ("رقم الهوية 1023456789", "ID"),
    ("الإقامة 2345678901", "ID"),
    ("الآيبان SA03 8000 0000 6080 1016 7519", "IBAN"),
    ("IBAN SA0380000000608010167519", "IBAN"),
])
def test_emails_ids_and_ibans_are_masked(text: str, kind: str) -> None:
    masked = M.mask_text(text)
    assert f"[{kind}:" in masked


@pytest.mark.parametrize("text", [
    "السعر 2500 ريال شامل الضريبة 15%", "اجتماع يوم 2026-11-24 الساعة 10:00", "خصم 10 بالمئة", "العدد 123456",
])
def test_ordinary_numbers_and_dates_are_left_alone(text: str) -> None:
    assert M.mask_text(text) == text


def test_values_under_personal_keys_are_masked_whole() -> None:
    masked = M.mask({"contact": {"name": "نورة العتيبي", "title": "مديرة التسويق", "to": ["a@x.sa"]}})
    assert masked["contact"]["name"].startswith("[NAME:")
    assert masked["contact"]["title"] == "مديرة التسويق"
    assert masked["contact"]["to"][0].startswith("[TO:")


def test_known_contact_names_are_masked_in_free_text() -> None:
    masked = M.with_names(["نورة العتيبي"]).mask_text("تواصلنا مع نورة العتيبي أمس")
    assert "نورة العتيبي" not in masked and "[NAME:" in masked


def test_pseudonyms_depend_on_the_key() -> None:
    assert PiiMasker(b"a" * 32).mask_text("0550001234") != PiiMasker(b"b" * 32).mask_text("0550001234")
