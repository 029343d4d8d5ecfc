"""Phone numbers to E.164 with Google's ``phonenumbers`` (Saudi Arabia as the default region).

Handles 05x, 5x, 9665x, 00966, +966 with spaces or dashes, Arabic-Indic and Persian digits and
landlines. 800 (toll-free) and 9200 (unified, shared-cost) numbers are valid company lines but
not mobiles, so they never qualify for WhatsApp.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

from skills.targeting.models import Phone, PhoneKind
from skills.targeting.textkeys import fold_digits

DEFAULT_REGION = "SA"
_KINDS: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "unified",
    PhoneNumberType.UAN: "unified",
}
_JUNK = re.compile(r"[^\d+]")


def parse_phone(raw: str | None, region: str = DEFAULT_REGION) -> Phone | None:
    """The number as E.164 with its kind, or None when it is not a valid number."""
    if raw is None:
        return None
    text = _JUNK.sub("", fold_digits(raw))
    if not text.strip("+"):
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
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
