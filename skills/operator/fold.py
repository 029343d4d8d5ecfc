"""Folding a chat request to one comparable form, whatever spelling tricks it carries.

    NFKC ................... full-width and presentation forms to plain letters
    format characters ...... zero-width joiners and spaces, bidi embeddings/isolates/overrides dropped
    look-alikes ............ Cyrillic and Greek letters that imitate Latin ones, Persian forms of Arabic
    case, marks ............ case folded; Arabic diacritics and tatweel removed; أ إ آ ٱ → ا, ة → ه,
                             ى → ي, ؤ → و, ئ → ي; Arabic-Indic and Persian digits to ASCII
    spaced letters ......... "w h a t s a p p" or "و ا ت س ا ب" (four or more single letters) joined
    aliases ................ Arabizi, slang and misspellings of the words that matter ("wts", "واتس",
                             "لينكدان", "lnkd") replaced by one canonical token ("whatsapp", "linkedin"),
                             from ``data/understanding.yaml``

Display always keeps the original text; this form is only for matching. Same input, same output.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

_CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m",
    "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ς": "s",
    # Persian and Urdu forms of Arabic letters
    "ک": "ك", "ی": "ي", "ى": "ي", "ە": "ه", "ۀ": "ه", "ھ": "ه", "ہ": "ه", "ۃ": "ه", "گ": "ك",
})
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_PUNCT = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٫": ".", "٬": ","})
_SPACE = re.compile(r"[^\S\n]+")
_SPACED = re.compile(r"(?<!\S)(?:\w ){3,}\w(?!\S)")
_ARABIC_PREFIX = "(?:[وفبلك]{0,2}(?:ال)?)"


def fold_letters(text: str) -> str:
    """Everything but the aliases: the form the alias table itself is written in."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(_CONFUSABLES).casefold()
    text = _MARKS.sub("", text).translate(_ALEF).translate(_DIGITS).translate(_ARABIC_PUNCT)
    text = _SPACE.sub(" ", text).strip()
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


class Aliases:
    """Canonical tokens for their spellings; Arabic spellings may carry the joined prefixes و ف ب ل ك and ال."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        pairs = sorted(((fold_letters(v), canon) for canon, variants in table.items() for v in variants),
                       key=lambda p: -len(p[0]))
        self._canon = {v: c for v, c in pairs}
        latin = [re.escape(v) for v, _ in pairs if v.isascii()]
        arabic = [re.escape(v) for v, _ in pairs if not v.isascii()]
        parts = []
        if latin:
            parts.append(r"(?<![\w])(?P<latin>" + "|".join(latin) + r")(?![\w])")
        if arabic:
            parts.append(r"(?<![\w])(?P<prefix>" + _ARABIC_PREFIX + r")(?P<arabic>" + "|".join(arabic) + r")(?![\w])")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def apply(self, folded: str) -> str:
        if self._pattern is None:
            return folded

        def swap(match: re.Match[str]) -> str:
            if match.group("latin") is not None:
                return self._canon[match.group("latin")]
            prefix = match.group("prefix") or ""
            # A joined "و" is the conjunction: keep it, so a message still splits into its requests.
            lead = "و " if prefix.startswith("و") else ""
            return lead + self._canon[match.group("arabic")]

        return self._pattern.sub(swap, folded)


def fold(text: str, aliases: Aliases | None = None) -> str:
    """The comparable form of a request (see the module docstring)."""
    folded = fold_letters(text)
    return aliases.apply(folded) if aliases is not None else folded
