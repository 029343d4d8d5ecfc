"""Phone numbers to E.164 with Google's ``phonenumbers`` (Saudi Arabia as the default region).

Handles 05x, 5x, 9665x, 00966, +966 with spaces or dashes, Arabic-Indic and Persian digits and
landlines. 800 (toll-free) and 9200 (unified, shared-cost) numbers are valid company lines but
not mobiles, so they never qualify for WhatsApp.

Most numbers in a Saudi lead file are mobiles written 05…, 5…, 9665… or +9665… (then eight
digits), and the library took about 70 µs on each (the import's largest step). For exactly
those spellings ``phonenumbers.parse`` always ends with country code 966 and national number
5 and eight digits, and of Saudi Arabia's number types in the library's data only the mobile pattern can
match a 9-digit number starting with 5; so the mobile pattern, read from the library's own data,
decides alone. That holds for the data it was checked against (``_SA_DATA``): if a library update
changes them, the shortcut turns itself off and every number goes through the library again.
tests/targeting/test_targeting_phone_fastpath.py compares both paths on every 4-digit prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType

from skills.targeting.models import Phone, PhoneKind
from skills.targeting.textkeys import fold_digits

DEFAULT_REGION = "SA"
_SA_CODE = 966
_KINDS: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "unified",
    PhoneNumberType.UAN: "unified",
}
_JUNK = re.compile(r"[^\d+]")
_SA_MOBILE = re.compile(r"(?:\+966|966|0)?(5\d{8})")
# Saudi Arabia in phonenumbers' data (9.0.x): (pattern, possible lengths) per number type. Only
# "mobile" can match 5 followed by eight digits: the others start with 1, 8 or 9, or are absent.
_SA_DATA: dict[str, tuple[str, tuple[int, ...]] | None] = {
    "general_desc": (r"(?:[15]\d|800|92)\d{7}", (9, 10)),
    "premium_rate": (r"925\d{6}", (9,)),
    "toll_free": (r"800\d{7}", (10,)),
    "shared_cost": (r"920\d{6}", (9,)),
    "voip": None, "personal_number": None, "pager": None, "uan": None, "voicemail": None,
    "fixed_line": (r"1(?:1\d|2[24-8]|3[35-8]|4[3-68]|6[2-5]|7[235-7])\d{6}", (9,)),
    "mobile": (r"579[0-8]\d{5}|5(?:[013-689]\d|7[0-8])\d{6}", (9,)),
}


def parse_phone(raw: str | None, region: str = DEFAULT_REGION) -> Phone | None:
    """The number as E.164 with its kind, or None when it is not a valid number."""
    if raw is None:
        return None
    text = _JUNK.sub("", fold_digits(raw))
    if not text.strip("+"):
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    number = None
    if region == DEFAULT_REGION:
        found = _SA_MOBILE.fullmatch(text)
        if found is not None:
            national = found.group(1)
            mobile = _sa_mobile_pattern()
            if mobile is not None:  # what the library answers, without its 70 µs
                if mobile.fullmatch(national) is None:
                    return None  # no Saudi number type starts like this: phonenumbers says UNKNOWN
                return Phone(raw=raw.strip(), e164=f"+966{national}", kind="mobile")
            number = PhoneNumber(country_code=_SA_CODE, national_number=int(national))
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
    # number_type checks the number against the region's patterns: UNKNOWN means not a valid number.
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN or not phonenumbers.is_possible_number(number):
        return None
    kind = _KINDS.get(number_type, "unknown")
    return Phone(raw=raw.strip(), e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 kind=kind)


@lru_cache(maxsize=1)
def _sa_mobile_pattern() -> re.Pattern[str] | None:
    """The library's Saudi mobile pattern, or None when its Saudi data are not ``_SA_DATA``."""
    metadata = PhoneMetadata.metadata_for_region(DEFAULT_REGION)
    if metadata is None or metadata.country_code != _SA_CODE or metadata.same_mobile_and_fixed_line_pattern:
        return None
    for name, expected in _SA_DATA.items():
        desc = getattr(metadata, name)
        found = None if desc is None else (desc.national_number_pattern, tuple(desc.possible_length))
        if found != expected:
            return None
    mobile = _SA_DATA["mobile"]
    return re.compile(mobile[0]) if mobile is not None else None
