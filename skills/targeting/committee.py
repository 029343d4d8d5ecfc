"""Buying-committee role from a job title, Arabic or English (data/committee.yaml).

Arabic titles take a feminine form (مديرة، المديرة المالية، شريكة مؤسسة); words are matched with
a final taa marbuta folded away on both sides, so one keyword covers both forms.
"""

from __future__ import annotations

import re
from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.keywords import KeywordSet
from skills.targeting.models import CommitteeRole
from skills.targeting.textkeys import match_key

_FEMININE = re.compile(r"(?<=[\u0621-\u064a]{3})ه(?=\s|$)")


def _fold(text: str | None) -> str:
    return _FEMININE.sub("", match_key(text))


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[CommitteeRole, KeywordSet], ...]:
    return tuple((rule.role, KeywordSet(tuple((_fold(w), w) for w in rule.keywords if _fold(w))))
                 for rule in load_catalog().committee.rules)


@lru_cache(maxsize=8192)
def committee_role(title: str | None) -> CommitteeRole | None:
    """The first rule whose keyword is in the title; None for an empty or unrecognised title."""
    key = _fold(title)
    for role, keywords in _rules():
        if keywords.first_hit(key):
            return role
    return None
