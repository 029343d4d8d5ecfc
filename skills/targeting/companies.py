"""Company names: a match key without legal forms (شركة، مؤسسة، Co., Ltd, LLC, Est., Group ...)."""

from __future__ import annotations

from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.textkeys import match_key


@lru_cache(maxsize=1)
def _legal_words() -> frozenset[str]:
    words = load_catalog().companies.legal_words
    return frozenset(match_key(w) for w in (*words["ar"], *words["en"]) if match_key(w))


@lru_cache(maxsize=1)
def _multi_word_forms() -> tuple[str, ...]:
    # Longest first, so "ذات مسؤولية محدودة" goes before any shorter form inside it.
    return tuple(sorted((w for w in _legal_words() if " " in w), key=len, reverse=True))


def company_key(name: str | None) -> str:
    """The name's match key with legal forms and filler removed; the bare key if nothing is left."""
    return _company_key(match_key(name))


@lru_cache(maxsize=1 << 16)
def _company_key(key: str) -> str:
    # Cached: a file names the same company once per contact.
    legal = _legal_words()
    # Multi-word forms first ("ذات مسؤولية محدودة"), then single words.
    for form in _multi_word_forms():
        key = f" {key} ".replace(f" {form} ", " ").strip()
    kept = [w for w in key.split() if w not in legal]
    return " ".join(kept) if kept else key
