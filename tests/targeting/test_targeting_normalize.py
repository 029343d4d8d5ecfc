"""Normalisation: phones, emails, Arabic match keys, company names, cities."""

from __future__ import annotations

import pytest

from skills.targeting.cities import city_id
from skills.targeting.companies import company_key
from skills.targeting.emails import email_domain, normalize_email
from skills.targeting.phones import parse_phone
from skills.targeting.textkeys import match_key, skeleton


@pytest.mark.parametrize("raw", [
    "0550001234", "550001234", "966550001234", "00966550001234", "+966550001234", "+966 55 000 1234",
    "055-000-1234", "(055) 000 1234", "٠٥٥٠٠٠١٢٣٤", "۰۵۵۰۰۰۱۲۳۴", "+٩٦٦ ٥٥ ٠٠٠ ١٢٣٤", "00966-55-000-1234",
])
def test_every_saudi_mobile_spelling_becomes_the_same_e164(raw: str) -> None:
    phone = parse_phone(raw)
    assert phone is not None
    assert (phone.e164, phone.kind) == ("+966550001234", "mobile")


def test_a_riyadh_landline_is_a_landline() -> None:
    phone = parse_phone("011 234 5678")
    assert phone is not None and phone.e164 == "+966112345678" and phone.kind == "landline"


@pytest.mark.parametrize(("raw", "kind"), [("800 124 5555", "toll_free"), ("9200 12345", "unified")])
def test_800_and_9200_numbers_are_recognised_as_not_mobile(raw: str, kind: str) -> None:
    phone = parse_phone(raw)
    assert phone is not None and phone.kind == kind


@pytest.mark.parametrize("raw", ["12345", "not a number", "", "+966 55", "0550001234567890"])
def test_invalid_numbers_are_refused(raw: str) -> None:
    assert parse_phone(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("Ahmed@AlNoor.Example.SA ", "ahmed@alnoor.example.sa"),
    ("<sara@x.example.com>", "sara@x.example.com"),
    ("no-at-sign.example.com", None), ("a@b", None), ("a..b@x.example.com", None), ("a @x.example.com", None),
])
def test_emails_are_validated_and_lowercased(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


def test_a_free_mailbox_reveals_no_company_domain() -> None:
    free = frozenset({"gmail.com"})
    assert email_domain("x@gmail.com", free) is None
    assert email_domain("x@alnoor.example.sa", free) == "alnoor.example.sa"


@pytest.mark.parametrize(("a", "b"), [
    ("أحمد", "احمد"), ("إبراهيم", "ابراهيم"), ("آل سعود", "ال سعود"),   # alef and hamza forms
    ("مكة", "مكه"),                                                    # taa marbuta / haa
    ("مصطفى", "مصطفي"),                                                # alef maqsura / yaa
    ("شـــركة", "شركة"),                                               # tatweel
    ("مُحَمَّد", "محمد"),                                                 # diacritics
    ("مؤسسة", "موسسه"), ("Company_Name", "company name"),
])
def test_arabic_spelling_variants_share_a_match_key(a: str, b: str) -> None:
    assert match_key(a) == match_key(b)


def test_match_key_does_not_touch_the_display_text() -> None:
    original = "شـركة الأمَل"
    match_key(original)
    assert original == "شـركة الأمَل"


@pytest.mark.parametrize(("a", "b"), [
    ("شركة النور للتجارة المحدودة", "مؤسسة النور للتجارة"),
    ("Al Noor Trading Co., Ltd", "AL NOOR TRADING LLC"),
    ("Horizon Contracting Est.", "Horizon Contracting Group"),
    ("مجموعة الريادة", "الريادة ذ.م.م"),
])
def test_legal_forms_are_dropped_from_the_company_key(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize(("raw", "expected"), [
    ("الرياض", "riyadh"), ("Riyadh", "riyadh"), ("Ar Riyadh", "riyadh"), ("RIYADH ", "riyadh"),
    ("جدة", "jeddah"), ("جده", "jeddah"), ("Jeddah", "jeddah"), ("Jiddah", "jeddah"),
    ("الدمام", "dammam"), ("Dammam", "dammam"), ("الخبر", "khobar"), ("Khobar", "khobar"), ("Al Khobar", "khobar"),
    ("مكة المكرمة", "makkah"), ("Makkah", "makkah"), ("Mecca", "makkah"),
    ("المدينة المنورة", "madinah"), ("Madinah", "madinah"), ("Medina", "madinah"),
    ("أبها", "abha"), ("Buraydah", "buraidah"), ("Atlantis", None),
])
def test_cities_map_to_canonical_ids(raw: str, expected: str | None) -> None:
    assert city_id(raw) == expected


@pytest.mark.parametrize(("latin", "arabic"), [
    ("Mohammed Al-Otaibi", "محمد العتيبي"), ("Abdullah Al Qahtani", "عبدالله القحطاني"),
    ("Noura Al Shehri", "نورة الشهري"), ("Khalid Al Ghamdi", "خالد الغامدي"),
])
def test_a_name_has_one_skeleton_in_both_scripts(latin: str, arabic: str) -> None:
    assert skeleton(latin) == skeleton(arabic)
