"""The offline intent classifier: a request in Arabic or English to one intent of the catalogue.

    refusals first ......... a pattern over the normalised text (LinkedIn, scraping, cold WhatsApp,
                             live send, charging, guarantees, discount-first): never routed to a skill
    then every intent ...... 0.55 x keyword hits (two hits = full marks) + 0.45 x the closest example
                             by character trigrams; the best at or above the threshold wins, ties go
                             to the catalogue's order; below it, 'unknown'
    slots .................. "top N" (digits in any script, or number words), a period (today, week, month)

Normalisation is the Targeting OS's ``match_key`` (digits, hamza and alef forms, taa marbuta,
alef maqsura, diacritics, case), plus light stripping of Arabic prefixes (ال، و، ب، ل، ف).
Same input, same answer: nothing random, no model.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from skills.operator.intents import Intent, IntentCatalog, Lang, Period, load_intents
from skills.targeting.textkeys import match_key

_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[A-Za-z]")
_NUMBER = re.compile(r"\b(\d{1,3})\b")
_PREFIXES = ("وال", "بال", "لل", "فال", "كال", "ال", "و", "ب", "ف")


def detect_lang(text: str) -> Lang:
    """Arabic unless the request has more Latin letters than Arabic ones."""
    return "en" if len(_LATIN.findall(text)) > len(_ARABIC.findall(text)) else "ar"


def _stems(token: str) -> set[str]:
    out = {token}
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            out.add(token[len(prefix):])
    return out


def _tokens(norm: str) -> set[str]:
    return {stem for token in norm.split() for stem in _stems(token)}


def _trigrams(norm: str) -> set[str]:
    padded = f"  {norm} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5


@cache
def _keyword_roots(intent: str) -> frozenset[str]:
    """An intent's keywords, each reduced to its shortest stem, so 'العملاء' and 'عملاء' count once."""
    return frozenset(min(_stems(k), key=len) for k in load_intents().intents[intent].keywords)


@lru_cache(maxsize=1)
def _example_grams() -> dict[str, list[set[str]]]:
    return {name: [_trigrams(match_key(e)) for e in spec.examples] for name, spec in load_intents().intents.items()}


def scores(text: str, catalog: IntentCatalog | None = None) -> dict[str, float]:
    """Every intent's score for a request (for tests and for explaining a route)."""
    catalog = catalog or load_intents()
    norm = match_key(text)
    tokens, grams = _tokens(norm), _trigrams(norm)
    out: dict[str, float] = {}
    for name in catalog.intents:
        hits = sum(1 for k in _keyword_roots(name) if k in tokens or (" " in k and k in norm))
        example = max((_similarity(grams, g) for g in _example_grams()[name]), default=0.0)
        out[name] = round(0.55 * min(1.0, hits / 2) + 0.45 * example, 4)
    return out


def refusal_of(text: str, catalog: IntentCatalog | None = None) -> str | None:
    catalog = catalog or load_intents()
    norm = match_key(text)
    for name, spec in catalog.refusals.items():
        if any(re.search(p, norm) for p in spec.patterns):
            return name
    return None


def top_n_of(text: str, catalog: IntentCatalog | None = None) -> int | None:
    catalog = catalog or load_intents()
    norm = match_key(text)
    match = _NUMBER.search(norm)
    if match is not None:
        value = int(match.group(1))
        return value if 1 <= value <= 100 else None
    for token in norm.split():
        for stem in _stems(token):
            if stem in catalog.numbers:
                return catalog.numbers[stem]
    return None


def period_of(text: str, catalog: IntentCatalog | None = None) -> Period | None:
    catalog = catalog or load_intents()
    tokens = _tokens(match_key(text))
    for period, words in catalog.periods.items():
        if any(w in tokens for w in words):
            return period
    return None


def classify(text: str, catalog: IntentCatalog | None = None) -> Intent:
    catalog = catalog or load_intents()
    lang = detect_lang(text)
    slots = {"top_n": top_n_of(text, catalog), "period": period_of(text, catalog)}
    refusal = refusal_of(text, catalog)
    if refusal is not None:
        return Intent(intent="refusal", refusal=refusal, confidence=1.0, via="refusal", lang=lang, text=text, **slots)
    ranked = scores(text, catalog)
    best = max(ranked, key=lambda name: ranked[name])  # max keeps the first of equals: catalogue order
    if ranked[best] < catalog.threshold:
        return Intent(intent="unknown", confidence=ranked[best], via="classifier", lang=lang, text=text, **slots)
    return Intent(intent=best, skill=catalog.intents[best].skill, confidence=min(1.0, ranked[best]),
                  via="classifier", lang=lang, text=text, **slots)
