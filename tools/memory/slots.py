"""Turning an approved draft into a reusable example, and back.

An approved draft names one lead: its company, contact, city. Stored as is, it would carry that
lead's facts (and personal data) into other leads' drafts. So before it is remembered, every
lead-specific span is replaced by a slot marker (``⟦company_name⟧``), and when it is reused the
slots are filled with the new lead's facts by plain string replacement, never by a template
engine, so nothing an operator typed can execute.

A span is found however the text writes it: after the Arabic proclitics و ف ب ل ك, with or
without a tatweel («لـ»), after the article «ال», inside bidi isolates (U+2068 … U+2069), with
أ/إ/آ/ا, ة/ه and ى/ي spelled either way, and a Latin value in any letter case and with spaces or
hyphens between its words ("Al-Harbi", "Al Harbi", "AlHarbi"). :func:`leftovers` then proves the
template holds no distinctive word of the lead's identifying values: a template that still does
is not kept (the caller refuses to remember it), so no example can carry one lead's name,
company or contact point into another lead's draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

_SLOT = re.compile(r"⟦([a-z_0-9]+)⟧")
_MIN_VALUE = 2  # a one-letter value would turn ordinary letters into slots
_MIN_TOKEN = 3  # shorter words ("Al", "بن") are not distinctive on their own
TATWEEL = "\u0640"
FSI, PDI = "\u2068", "\u2069"

# One proclitic group: و/ف, then ب/ل/ك, then an optional tatweel (لـ, بـ), then an optional article.
_PREFIX = rf"(?P<pre>[وف]?(?:[بلك]{TATWEEL}?)?)"
_ARTICLE = "ال"
_LATIN = re.compile(r"[A-Za-z]")
_TOKEN_SPLIT = re.compile(r"[\s\-_.,،؛;:/&+()'\"«»]+")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", TATWEEL: None, FSI: None, PDI: None,
                       "\u2066": None, "\u2067": None, "\u200f": None, "\u200e": None})
_DIACRITICS = re.compile(r"[\u064B-\u065F\u0670]")

# Words that name no one in particular: kept in templates even when a company's name has them.
GENERIC_WORDS = frozenset({
    "شركه", "مؤسسه", "موسسه", "مجموعه", "مكتب", "مصنع", "دار", "بيت", "مركز", "للتجاره", "التجاريه", "تجاره",
    "المحدوده", "محدوده", "القابضه", "الدوليه", "العربيه", "السعوديه", "الوطنيه", "المتحده", "للمقاولات",
    "للتسويق", "للعقارات", "العقاريه", "للتقنيه", "للخدمات", "الخدمات", "فريق", "الاستاذ", "الاستاذه",
    "الدكتور", "الدكتوره", "المهندس", "المهندسه", "company", "co", "ltd", "llc", "est", "group", "trading",
    "holding", "international", "saudi", "arabia", "the", "and", "for", "services", "solutions", "team",
    "corp", "inc", "mr", "mrs", "ms", "dr", "eng",
})


def slot(name: str) -> str:
    return f"⟦{name}⟧"


def fold_text(text: str) -> str:
    """Spelling-insensitive form used for matching: hamza forms, ta marbuta, alif maqsura, tatweel, isolates."""
    return _DIACRITICS.sub("", text.translate(_FOLD)).casefold()


def _char_class(ch: str) -> str:
    folded = ch.translate(_FOLD)
    if folded == "ا":
        return "[اأإآ]"
    if folded == "ه":
        return "[هة]"
    if folded == "ي":
        return "[يى]"
    return re.escape(ch)


def _value_pattern(value: str) -> str:
    """A regex for ``value``: loose about spelling variants, separators between words and isolates."""
    words = [w for w in _TOKEN_SPLIT.split(value.translate(_FOLD)) if w]
    between = rf"[\s\-_.,،؛;:/&+()'\"«»{TATWEEL}{FSI}{PDI}]*"
    body = between.join("".join(_char_class(ch) + "[\u064B-\u065F\u0670]?" for ch in w) for w in words)
    return rf"{FSI}?{body}\.?{PDI}?" if value.rstrip().endswith(".") else rf"{FSI}?{body}{PDI}?"


def _keep_prefix(marker: str) -> Callable[[re.Match[str]], str]:
    """A replacement that keeps the matched proclitics (and article) and puts ``marker`` for the value."""
    return lambda m: m.group("pre") + (m.groupdict().get("art") or "") + marker


def to_template(text: str, values: Mapping[str, str]) -> str:
    """Replace each value (longest first) by its slot where it stands as a whole word.

    A value may follow the proclitics and the article (``_PREFIX``), but not be part of a longer
    word («عقار» inside «عقارات» is left alone). Empty and one-letter values are left alone. The
    article is kept in the template only where the value itself does not start with it.
    """
    out = text
    for name, value in sorted(values.items(), key=lambda item: len(item[1].strip()), reverse=True):
        value = value.strip()
        if len(value.translate(_FOLD)) < _MIN_VALUE:
            continue
        for pattern in _patterns(value):
            out = pattern.sub(_keep_prefix(slot(name)), out)
    return out


@lru_cache(maxsize=4096)
def _patterns(value: str) -> tuple[re.Pattern[str], ...]:
    """The patterns that find ``value`` in a text (built once per value: a learn templates three texts
    with two dozen values each, and building a pattern walks the value letter by letter)."""
    article = "" if fold_text(value).startswith(_ARTICLE) or _LATIN.match(value) else f"(?P<art>{_ARTICLE})?"
    found = [re.compile(rf"(?<![^\W_]){_PREFIX}{article}{_value_pattern(value)}(?![^\W_])", re.IGNORECASE)]
    if fold_text(value).startswith(_ARTICLE) and len(value) > len(_ARTICLE) + 1:
        # «ل» + «الرياض» is written «للرياض»: the article's alif drops after the lam.
        found.append(re.compile(rf"(?<![^\W_])(?P<pre>[وف]?ل)ل{_value_pattern(value[len(_ARTICLE):])}(?![^\W_])",
                                re.IGNORECASE))
    return tuple(found)


def slots_in(template: str) -> set[str]:
    return set(_SLOT.findall(template))


def _join(prefix: str, value: str, name: str) -> str:
    """``prefix`` (the proclitics before a slot) joined to the value that fills it, the way Arabic writes it."""
    proclitic = prefix.rstrip(TATWEEL)
    starts_latin = bool(_LATIN.match(value.lstrip(FSI)))
    if proclitic.endswith(_ARTICLE) and fold_text(value).startswith(_ARTICLE):
        proclitic = proclitic[: -len(_ARTICLE)]  # «ال» + «الرياض» is «الرياض»
    if not proclitic:
        return value
    if starts_latin and proclitic[-1] in "بلك":
        # «لـ» never glued to a Latin name: «لشركة ⁨Al Noor⁩», «إلى ⁨Sara⁩».
        word = {"ب": "في", "ل": "إلى", "ك": "مثل"}[proclitic[-1]]
        joined = f"{proclitic}شركة " if "company" in name else f"{word} "
        return f"{proclitic[:-1]}{joined}{value}" if "company" not in name else f"{joined}{value}"
    if proclitic.endswith("ل") and not proclitic.endswith(_ARTICLE) and fold_text(value).startswith(_ARTICLE):
        return f"{proclitic}ل{value[2:]}"  # «ل» + «الرياض» is «للرياض»
    return proclitic + value


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """The template with every slot filled; None when a slot has no (non-empty) value."""
    needed = slots_in(template)
    if any(not values.get(name, "").strip() for name in needed):
        return None
    pattern = re.compile(rf"(?<![^\W_])(?P<pre>[وف]?(?:[بلك]{TATWEEL}?)?(?:{_ARTICLE})?)⟦(?P<name>[a-z_0-9]+)⟧")
    return pattern.sub(lambda m: _join(m.group("pre"), values[m.group("name")].strip(), m.group("name")), template)


def distinctive_words(value: str) -> tuple[str, ...]:
    """The words of a value that could name this lead on their own (folded; generic words left out)."""
    words = (fold_text(w) for w in _TOKEN_SPLIT.split(value) if w)
    found: list[str] = []
    for word in words:
        bare = word[2:] if word.startswith(_ARTICLE) and len(word) > 4 else word
        if len(bare) >= _MIN_TOKEN and word not in GENERIC_WORDS and bare not in GENERIC_WORDS:
            found.append(bare)
    return tuple(dict.fromkeys(found))


def mentions_word(text: str, word: str) -> bool:
    """``word`` (folded, from :func:`distinctive_words`) stands in ``text`` as a word, prefixes allowed."""
    folded = fold_text(text)
    return re.search(rf"(?<![^\W_])(?:[وف]?(?:[بك]?ال|لل|[بلك])?){re.escape(word)}(?![^\W_])", folded) is not None


def leftovers(template: str, identifying: Iterable[str]) -> list[str]:
    """The distinctive words of ``identifying`` values still in ``template`` (empty when it is clean)."""
    clean = _SLOT.sub(" ", template)
    digits = re.sub(r"\D", "", clean)
    found: list[str] = []
    for value in identifying:
        value = value.strip()
        if not value:
            continue
        number = re.sub(r"\D", "", value)
        if len(number) >= 7 and number[-9:] in digits:  # a phone in any spelling
            found.append(value)
            continue
        found.extend(w for w in distinctive_words(value) if mentions_word(clean, w))
    return found


def without_slots(template: str) -> str:
    """The template's own words (for embedding): slot markers removed."""
    return re.sub(r"\s+", " ", _SLOT.sub(" ", template)).strip()
