"""One customer message in, a clean text and its folded match form out; or a clear refusal.

Folding reuses the Targeting OS's Arabic normalisation (:func:`skills.targeting.textkeys.match_key`:
hamza and alef forms, taa marbuta, alef maqsura, diacritics, tatweel, Arabic-Indic digits, case,
punctuation). Before it, two steps that matter for hostile or chatty input only: format characters
(zero-width spaces and joiners, bidi controls) are dropped, so "ال\u200bسعر" reads "السعر"; and a letter
repeated three times or more is written once ("غاااالي" -> "غالي", "pleeease" -> "please").
"""

from __future__ import annotations

import re
import unicodedata

from skills.negotiation.catalog import load_lexicon, load_rules
from skills.negotiation.errors import UtteranceError
from skills.negotiation.models import Script
from skills.targeting.textkeys import match_key

_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_SPACES = re.compile(r"\s+")
_ARABIC = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LATIN = re.compile(r"[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
_ARABIZI_WORD = re.compile(r"^(?=.*[a-z])(?=.*[235789])[a-z235789']+$")


def clean(text: str) -> str:
    """NFKC, format characters dropped, repeated letters squeezed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """The match form of a cleaned text: what lexicon cues and rule terms are compared with."""
    return match_key(clean(text))


def check_utterance(text: str, *, max_chars: int | None = None, code_prefix: str = "text") -> str:
    """The cleaned text, or :class:`UtteranceError` (empty, too long, no words) with an Arabic message."""
    rules = load_rules()
    limit = max_chars or rules.limits.text_max_chars
    if len(text) > limit:
        # Checked on the raw text first: nothing more is done with an oversized input.
        message = rules.message("text_too_long" if code_prefix == "text" else f"{code_prefix}_too_long", limit=limit)
        raise UtteranceError(message.ar, message.en, code=f"{code_prefix}_too_long")
    cleaned = clean(text)
    if not cleaned:
        message = rules.message("text_empty")
        raise UtteranceError(message.ar, message.en, code=f"{code_prefix}_empty")
    words = cleaned.split()
    if len(_LETTER.findall(cleaned)) < 2 or max(len(w) for w in words) > rules.limits.longest_word_chars:
        message = rules.message("text_garbage")
        raise UtteranceError(message.ar, message.en, code=f"{code_prefix}_garbage")
    return cleaned


def script_of(cleaned: str) -> Script:
    """Arabic, Latin, Arabizi (Arabic in Latin letters and digits) or mixed."""
    arabic = len(_ARABIC.findall(cleaned))
    latin = len(_LATIN.findall(cleaned))
    total = arabic + latin
    if total == 0 or arabic / total >= 0.8:
        return "arabic"
    if arabic / total > 0.2:
        return "mixed"
    return "arabizi" if is_arabizi(cleaned) else "latin"


def is_arabizi(cleaned: str) -> bool:
    """Latin text that writes Arabic: words with digits for letters ("3ndna", "wa2t"), or its common words."""
    words = match_key(cleaned).split()
    if not words:
        return False
    markers = load_lexicon().arabizi_markers
    digit_words = sum(1 for w in words if _ARABIZI_WORD.match(w))
    marker_words = sum(1 for w in words if w in markers)
    return digit_words >= 1 or marker_words / len(words) >= 0.34
