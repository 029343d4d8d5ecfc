"""Turning an approved draft into a reusable example, and back.

An approved draft names one lead: its company, contact, city. Stored as is, it would carry that
lead's facts (and personal data) into other leads' drafts. So before it is remembered, every
known fact value is replaced by a slot marker (``⟦company_name⟧``), and when it is reused the
slots are filled with the new lead's facts by plain string replacement, never by a template
engine, so nothing an operator typed can execute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SLOT = re.compile(r"⟦([a-z_]+)⟧")
_MIN_VALUE = 2  # a one-letter value would turn ordinary letters into slots


def slot(name: str) -> str:
    return f"⟦{name}⟧"


def to_template(text: str, values: Mapping[str, str]) -> str:
    """Replace each value (longest first) by its slot where it stands as a whole word.

    A value may follow one Arabic proclitic (و ب ل ف ك: «بالرياض» is «ب» + «الرياض») but not be part
    of a longer word («عقار» inside «العقار» is left alone: filling it later would give «الالعقار»).
    Empty and one-letter values are left alone.
    """
    out = text
    for name, value in sorted(values.items(), key=lambda item: len(item[1]), reverse=True):
        value = value.strip()
        if len(value) >= _MIN_VALUE and value in out:
            pattern = re.compile(r"(?<!\w)(?P<pre>[وبلفك]?)" + re.escape(value) + r"(?!\w)")
            out = pattern.sub(r"\g<pre>" + slot(name), out)  # slot names are [a-z_]: no escapes
    return out


def slots_in(template: str) -> set[str]:
    return set(_SLOT.findall(template))


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """The template with every slot filled; None when a slot has no (non-empty) value."""
    needed = slots_in(template)
    if any(not values.get(name, "").strip() for name in needed):
        return None
    return _SLOT.sub(lambda m: values[m.group(1)].strip(), template)


def without_slots(template: str) -> str:
    """The template's own words (for embedding): slot markers removed."""
    return re.sub(r"\s+", " ", _SLOT.sub(" ", template)).strip()
