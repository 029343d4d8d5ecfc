"""PII masking for audit payloads, logs and traces.

What is masked: Saudi (and other) phone numbers in any spelling (05x, 5x, 9665x, 00966, +966, with
spaces, dashes or dots, in Arabic-Indic or Persian digits, landlines, 800 and 9200 numbers), email
addresses, Saudi national id and iqama numbers, IBANs, values under keys that name personal
data, and contact names the caller passes in. A masked value becomes a keyed pseudonym such as
``[PHONE:3f9a1c2b]``: the same number always gives the same tag (so an auditor can follow one
contact through the log) without revealing it.

Over-masking is the safe side: a long digit run that is neither a phone nor an id is masked too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# IBAN: two letters, two check digits, then 11-30 alphanumerics, optionally grouped by spaces.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[0-9A-Z]){11,30}\b")
# A run of at least 7 digits, allowing one or two separators between digits, and a leading + or 00.
_NUMBER_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \-.()]{0,2}\d){6,16}(?!\w)")
_WORTH_SCANNING = re.compile(r"@|[0-9٠-٩۰-۹](?:[ \-.()]{0,2}[0-9٠-٩۰-۹]){6}")
_SA_MOBILE = re.compile(r"^(?:00966|966|0)?5\d{8}$")
_SA_ID = re.compile(r"^[12]\d{9}$")

PII_KEYS = frozenset({
    "phone", "mobile", "whatsapp", "to_phone", "msisdn", "email", "to", "cc", "bcc", "reply_to",
    "name", "contact_name", "full_name", "first_name", "last_name", "national_id", "iqama", "iban",
    "address", "attendees",
})


class PiiMasker:
    """Masks PII in text and nested JSON-like values. Keyed, so tags cannot be reversed by lookup."""

    def __init__(self, key: bytes, *, names: Iterable[str] = ()) -> None:
        self._key = key
        self._names = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)

    def tag(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:8]
        return f"[{kind}:{digest}]"

    def with_names(self, names: Iterable[str]) -> PiiMasker:
        return PiiMasker(self._key, names=[*self._names, *names])

    def mask_text(self, text: str) -> str:
        if not text or (not self._names and not _WORTH_SCANNING.search(text)):
            return text  # fast path: no '@' and no run of 7 digits, so nothing below could match
        ascii_digits = text.translate(_DIGITS)  # same length: positions line up with ``text``
        out = _EMAIL.sub(lambda m: self.tag("EMAIL", m.group(0).lower()), ascii_digits)
        out = _IBAN.sub(self._iban, out)
        out = _NUMBER_RUN.sub(self._number, out)
        for name in self._names:
            if name in out:
                out = out.replace(name, self.tag("NAME", name))
        if out == ascii_digits:
            return text  # nothing masked: keep the original digits for display
        return out

    def mask(self, value: Any, *, key: str | None = None) -> Any:
        """Mask a JSON-like value; values under PII-named keys are masked whole."""
        if key is not None and key.lower() in PII_KEYS and value not in (None, "", [], {}):
            if isinstance(value, list):
                return [self.tag(key.upper(), str(v)) for v in value]
            return self.tag(key.upper(), str(value))
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, Mapping):
            return {k: self.mask(v, key=str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask(v) for v in value]
        return value

    def _iban(self, match: re.Match[str]) -> str:
        compact = re.sub(r"[ \-]", "", match.group(0))
        if len(compact) < 15 or not any(ch.isdigit() for ch in compact[4:]):
            return match.group(0)
        return self.tag("IBAN", compact)

    def _number(self, match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if _SA_ID.match(digits) and not raw.startswith(("+", "00")):
            return self.tag("ID", digits)
        if _SA_MOBILE.match(digits) or _is_phone(raw):
            return self.tag("PHONE", _phone_key(raw, digits))
        if len(digits) >= 9:
            return self.tag("NUMBER", digits)
        return raw


def _is_phone(raw: str) -> bool:
    try:
        parsed = phonenumbers.parse(raw, "SA")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def _phone_key(raw: str, digits: str) -> str:
    """One key per number however it is spelled, so the pseudonym is stable across formats."""
    try:
        parsed = phonenumbers.parse(raw, "SA")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return digits


def contains_pii(text: str, masker: PiiMasker) -> bool:
    return masker.mask_text(text) != text
