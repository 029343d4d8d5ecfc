"""Arabic text for small screens: fit to a limit at a word boundary, and normalise a typed reply.

Lengths are counted in UTF-16 code units, as WhatsApp's limits are; that is never fewer than
Python's code points, so a text that fits here fits there too. Cutting never separates a letter
from its diacritics (harakat, shadda), a joiner from what it joins, or an emoji from its modifier.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTER_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_TATWEEL = "\u0640"
_JOINERS = {"\u200c", "\u200d", "\u034f"}
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_TRAILING_PUNCT = "،,;؛:.-–— \n\t"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _attaches(text: str, i: int) -> bool:
    """Does the character at ``i`` belong to the one before it (a mark, a joiner, a modifier)?"""
    ch, before = text[i], text[i - 1]
    code = ord(ch)
    return bool(unicodedata.combining(ch)) or unicodedata.category(ch) in ("Mn", "Me") or ch in _JOINERS \
        or before in _JOINERS or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF


def _cut_index(text: str, budget: int) -> int:
    """The longest prefix within ``budget`` UTF-16 units that does not split a letter from its marks."""
    if max(text, default="\0") <= "\uffff":  # all in the BMP: one unit per character
        index = min(len(text), budget)
    else:
        index = used = 0
        for ch in text:
            used += 2 if ord(ch) > 0xFFFF else 1
            if used > budget:
                break
            index += 1
    while 0 < index < len(text) and _attaches(text, index):
        index -= 1
    return index


def fit(text: str, limit: int, *, ellipsis: str = "…", single_line: bool = False) -> str:
    """``text`` if it fits in ``limit`` UTF-16 units, else cut at the last word boundary plus ``ellipsis``."""
    if single_line:
        text = _SPACE.sub(" ", text)
    text = text.strip()
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ellipsis)
    if budget <= 0:
        return ellipsis[:limit]
    head = text[:_cut_index(text, budget)]
    cut_inside_word = not text[len(head)].isspace()
    if cut_inside_word:
        boundary = max(head.rfind(" "), head.rfind("\n"))
        if boundary > len(head) // 3:  # keep whole words unless that would throw most of the text away
            head = head[:boundary]
    head = head.rstrip(_TRAILING_PUNCT)
    return f"{head}{ellipsis}" if head else ellipsis


def normalize_reply(text: str) -> str:
    """Fold a typed reply for matching: digits to ASCII, no diacritics or tatweel, one alef, lower case."""
    folded = unicodedata.normalize("NFKC", text).translate(_ARABIC_INDIC)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch) and ch != _TATWEEL and ch not in _JOINERS)
    folded = folded.translate(_LETTER_FOLD).lower()
    folded = _PUNCT.sub(" ", folded)
    return _SPACE.sub(" ", folded).strip()
