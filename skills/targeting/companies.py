"""Company names: a match key without legal forms (شركة، مؤسسة، Co., Ltd, LLC, Est., Group ...)."""

from __future__ import annotations

from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.textkeys import match_key


@lru_cache(maxsize=1)
def _legal_words() -> frozenset[str]:
    words = load_catalog().companies.legal_words
    return frozenset(match_key(w) for w in (*words["ar"], *words["en"]) if match_key(w))


def company_key(name: str | None) -> str:
    """The name's match key with legal forms and filler removed; the bare key if nothing is left."""
    key = match_key(name)
    legal = _legal_words()
    # Multi-word forms first ("ذات مسؤولية محدودة"), then single words.
    for form in sorted((w for w in legal if " " in w), key=len, reverse=True):
        key = f" {key} ".replace(f" {form} ", " ").strip()
    kept = [w for w in key.split() if w not in legal]
    return " ".join(kept) if kept else key
