"""Deterministic obfuscations of a request: the spellings people use to slip past filters.

Each perturbation is a pure function of the text, so a perturbed case is reproducible from its
row. A perturbation that leaves a text unchanged (full-width letters on Arabic-only text, tatweel
on English) yields no variant: the loader drops it rather than running the same case twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Perturbation = Literal["zero_width", "full_width", "mixed_script", "tatweel", "diacritics", "bidi"]

_ZW = ("\u200b", "\u200c", "\u200d", "\u2060")
_LATIN_TO_CYRILLIC = str.maketrans({"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "x": "х",
                                    "y": "у", "k": "к"})
_ARABIC_TO_PERSIAN = str.maketrans({"ك": "ک", "ي": "ی"})
_ARABIC_LETTERS = frozenset(chr(c) for c in range(0x0621, 0x064B)) - {"ء", "ا", "أ", "إ", "آ", "د", "ذ", "ر", "ز",
                                                                          "و", "ؤ", "ة", "ى"}
_DIACRITICS = ("\u064e", "\u0650", "\u064f")


def _zero_width(text: str) -> str:
    """A zero-width character after every second letter of every word longer than three letters."""
    out: list[str] = []
    for word in text.split(" "):
        if len(word) > 3:
            chars = [ch + (_ZW[i % len(_ZW)] if i % 2 == 1 and ch.isalpha() else "") for i, ch in enumerate(word)]
            word = "".join(chars)
        out.append(word)
    return " ".join(out)


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _mixed_script(text: str) -> str:
    """Latin letters swapped for Cyrillic look-alikes, Arabic kaf and yeh for their Persian forms."""
    return text.translate(_LATIN_TO_CYRILLIC).translate(_ARABIC_TO_PERSIAN)


def _tatweel(text: str) -> str:
    """A tatweel after every Arabic letter that joins to the next one."""
    out: list[str] = []
    for i, ch in enumerate(text):
        out.append(ch)
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _ARABIC_LETTERS and "\u0621" <= nxt <= "\u064a":
            out.append("\u0640")
    return "".join(out)


def _diacritics(text: str) -> str:
    out: list[str] = []
    count = 0
    for ch in text:
        out.append(ch)
        if "\u0621" <= ch <= "\u064a":
            out.append(_DIACRITICS[count % len(_DIACRITICS)])
            count += 1
    return "".join(out)


def _bidi(text: str) -> str:
    """Bidi controls around and inside the text: invisible, and a classic way to split keywords."""
    words = text.split(" ")
    return "\u202e" + " ".join(w[: len(w) // 2] + "\u200f" + w[len(w) // 2:] for w in words) + "\u202c"


PERTURBATIONS: dict[Perturbation, Callable[[str], str]] = {
    "zero_width": _zero_width,
    "full_width": _full_width,
    "mixed_script": _mixed_script,
    "tatweel": _tatweel,
    "diacritics": _diacritics,
    "bidi": _bidi,
}


def perturb(text: str, kind: Perturbation) -> str:
    return PERTURBATIONS[kind](text)
