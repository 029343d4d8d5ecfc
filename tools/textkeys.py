"""Match keys for Arabic and English text. Display always keeps the original; these are for matching.

``match_key`` folds what spelling varies on without changing meaning: Arabic-Indic and Persian
digits, diacritics and tatweel (pyarabic), alef and hamza forms, taa marbuta / haa, alef maqsura /
yaa, ligatures, Latin case, punctuation and spacing.

``skeleton`` goes further so that an Arabic and a Latin spelling of one name can be compared:
both become a string of consonant classes (vowels, which Arabic leaves unwritten and Latin
transliteration writes inconsistently, are dropped). It is coarse on purpose and is only used
together with a shared phone number or email domain.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pyarabic.araby as araby

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا", "ـ": None, "\u200c": " ", "\u200d": None})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")

# Arabic letters to Latin consonant classes; long vowels, hamza and ain carry no class.
_AR_SKELETON = str.maketrans({
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "X", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
    "س": "s", "ش": "C", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": None, "غ": "G", "ف": "f", "ق": "k",
    "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": None, "ي": None, "ا": None, "ء": None,
    "پ": "b", "چ": "j", "گ": "k", "ڤ": "f",
})
# Latin digraphs first, then single letters to the same classes.
_LATIN_DIGRAPHS = (("kh", "X"), ("sh", "C"), ("th", "t"), ("dh", "z"), ("gh", "G"), ("ph", "f"))
_LATIN_SKELETON = str.maketrans({
    "a": None, "e": None, "i": None, "o": None, "u": None, "w": None, "y": None, "'": None,
    "q": "k", "c": "k", "g": "j", "p": "b", "v": "f",
})
_ARTICLE = re.compile(r"(?:^|\s)(?:al|el)[\s-]+|(?:^|\s)ال(?=\w{2,})")
_DOUBLE = re.compile(r"(\w)\1+")


def fold_digits(text: str) -> str:
    """Arabic-Indic (٠١٢) and Persian (۰۱۲) digits to ASCII digits."""
    return text.translate(_DIGITS)


def normalize_arabic(text: str) -> str:
    """Fold Arabic spelling variants; Latin text passes through unchanged."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    text = araby.normalize_ligature(text)
    if _HARAKAT.search(text):  # pyarabic checks every letter: only call it when there is something to strip
        text = araby.strip_tashkeel(text)
    text = araby.normalize_hamza(text, method="tasheel")
    return text.translate(_LETTERS)


def match_key(text: str | None) -> str:
    """Lowercase, folded, single-spaced words; empty string for nothing."""
    if not text:
        return ""
    return _match_key(text)


@lru_cache(maxsize=1 << 16)
def _match_key(text: str) -> str:
    # Cached: cities, titles, sources and company names repeat across a file.
    text = normalize_arabic(fold_digits(text)).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text).replace("_", " ")).strip()


def skeleton(text: str | None) -> str:
    """A script-independent consonant skeleton of a name: 'Mohammed Al-Otaibi' ~ 'محمد العتيبي'."""
    return _skeleton(match_key(text))


@lru_cache(maxsize=1 << 16)
def _skeleton(key: str) -> str:
    if not key:
        return ""
    key = _ARTICLE.sub(" ", f" {key}")
    words = []
    for word in key.split():
        if word.isascii():
            for pair, cls in _LATIN_DIGRAPHS:
                word = word.replace(pair, cls)
            word = word.translate(_LATIN_SKELETON)
        else:
            word = word.translate(_AR_SKELETON)
        # A final h is usually an unwritten vowel (taa marbuta, "-ah"): drop it on both sides.
        word = _DOUBLE.sub(r"\1", word).removesuffix("h")
        if word:
            words.append(word)
    return " ".join(words)


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)
