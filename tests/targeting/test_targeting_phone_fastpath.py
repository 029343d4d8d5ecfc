"""The Saudi-mobile fast path of ``parse_phone`` answers exactly what ``phonenumbers.parse`` answers."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from skills.targeting import phones
from skills.targeting.models import Phone
from skills.targeting.phones import parse_phone


def _reference(raw: str) -> Phone | None:
    """parse_phone as it was before the fast path: every number through ``phonenumbers.parse``."""
    text = phones._JUNK.sub("", phones.fold_digits(raw))
    if not text.strip("+"):
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "SA")
    except phonenumbers.NumberParseException:
        return None
    number_type = phonenumbers.number_type(number)
    if number_type == phonenumbers.PhoneNumberType.UNKNOWN or not phonenumbers.is_possible_number(number):
        return None
    return Phone(raw=raw.strip(), e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 kind=phones._KINDS.get(number_type, "unknown"))


def _spellings(national: str) -> list[str]:
    return ["0" + national, national, "966" + national, "+966" + national, "00966" + national,
            "+966 " + national[:2] + " " + national[2:5] + " " + national[5:], f"0{national[:2]}-{national[2:]}"]


def test_every_mobile_prefix_in_every_spelling_matches_the_library() -> None:
    rng = random.Random(7)
    for prefix in range(1000):  # 5000..5999: every 4-digit start of a "5" number, valid or not
        national = f"5{prefix:03d}{rng.randrange(10**5):05d}"
        for raw in _spellings(national):
            assert parse_phone(raw) == _reference(raw), raw


@pytest.mark.parametrize("raw", [
    "05123", "0512345678901", "+96605501234567", "9660550123456", "966 5", "+9665", "55000123", "5500012345",
    "0550001234 ext 5", "011 234 5678", "800 124 5555", "9200 12345", "+971501234567", "+1 202 555 0100",
    "0096605500012345", "+", "٠٥٥٠٠٠١٢٣٤", "+966 1 234 5678",
])
def test_other_spellings_match_the_library(raw: str) -> None:
    assert parse_phone(raw) == _reference(raw)


def test_random_numbers_match_the_library() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(6, 15)))
        raw = rng.choice(["", "0", "+", "00", "966", "+966", "00966"]) + digits
        assert parse_phone(raw) == _reference(raw), raw


def test_the_shortcut_is_on_for_the_installed_library() -> None:
    # If a phonenumbers update changes Saudi Arabia's data the shortcut turns off (still correct,
    # only slower); this says so, so _SA_DATA is re-checked against the new data.
    assert phones._sa_mobile_pattern() is not None


def test_with_the_shortcut_off_the_answers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phones, "_sa_mobile_pattern", lambda: None)
    for raw in ("0550001234", "+966 57 900 0000", "9665 2000 0000", "579912345", "011 234 5678"):
        assert parse_phone(raw) == _reference(raw), raw
