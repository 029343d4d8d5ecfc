"""Cities to canonical ids across Arabic and English spellings (الرياض / Riyadh / Ar Riyadh ...)."""

from __future__ import annotations

import re
from functools import lru_cache

from skills.targeting.catalog import City, load_catalog
from skills.targeting.textkeys import match_key

_ARTICLE = re.compile(r"^(?:al|el|ar|ad|at|as|az|an)\s+|^ال")


def _fold(text: str) -> str:
    key = match_key(text)
    return _ARTICLE.sub("", key).replace(" ", "")


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for city_id, city in load_catalog().cities.cities.items():
        for name in (city_id, city.name_ar, city.name_en, *city.aliases):
            index.setdefault(_fold(name), city_id)
    return index


def city_id(raw: str | None) -> str | None:
    """The canonical id of a city, or None when it is not one we know."""
    if not raw:
        return None
    return _city_id(raw)


@lru_cache(maxsize=1 << 12)
def _city_id(raw: str) -> str | None:
    # Cached: a file spells the same few cities again and again.
    key = _fold(raw)
    return _index().get(key) if key else None


def city(city_id_: str) -> City:
    return load_catalog().cities.cities[city_id_]
