"""A contact's inbound "STOP": is this message a request to stop receiving messages?

WhatsApp (and SMS) users stop a sender by answering with one word: "STOP", "إيقاف", "الغاء",
"وقف", "unsubscribe", in whatever spelling the keyboard gives. The words are data
(``tools/data/consent_words.yaml``). A message is a stop request when, folded, it is one of the
stop phrases, or it starts with a stop word and is short (a long message that merely contains
"stop" is a conversation a person should read, not a command).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
                          "ـ": None})
_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


class StopWords(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_words: int = Field(ge=1, description="A message starting with a stop word may have this many words.")
    stop_words: list[str]
    stop_phrases: list[str]


@lru_cache(maxsize=1)
def load_stop_words() -> StopWords:
    raw = resources.files("tools").joinpath("data/consent_words.yaml").read_bytes()
    return StopWords.model_validate(yaml.safe_load(raw))


def fold(text: str) -> str:
    """Lower-case, Arabic spelling variants folded, punctuation and emoji gone, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    text = _HARAKAT.sub("", text).translate(_LETTERS).casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


@lru_cache(maxsize=1)
def _index() -> tuple[frozenset[str], frozenset[str], int]:
    words = load_stop_words()
    return (frozenset(fold(w).replace(" ", "") for w in words.stop_words),
            frozenset(fold(p) for p in words.stop_phrases), words.max_words)


def is_stop_request(text: str | None) -> bool:
    """True when a contact's message asks to stop messages ("STOP", "إيقاف", "الغاء الاشتراك" ...)."""
    if not text:
        return False
    folded = fold(text)
    if not folded:
        return False
    stop_words, phrases, max_words = _index()
    if folded in phrases or folded.replace(" ", "") in stop_words:
        return True
    words = folded.split()
    return len(words) <= max_words and words[0] in stop_words
