"""Why-now signals from the notes and fields provided, each with the sentence that shows it."""

from __future__ import annotations

import re
from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.keywords import KeywordSet
from skills.targeting.models import Lead, Signal, SignalKind
from skills.targeting.textkeys import match_key

_SENTENCES = re.compile(r"(?<=[.!?؟؛;\n])\s*|\s+[-–|]\s+")


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[SignalKind, str, int, KeywordSet], ...]:
    return tuple((kind, rule.name_ar, rule.weight, KeywordSet.of(rule.keywords))
                 for kind, rule in load_catalog().signals.signals.items())


def detect_signals(lead: Lead) -> list[Signal]:
    """At most one signal per kind, strongest first; evidence is the original sentence."""
    return list(_signals_in((lead.notes, *lead.extras.values())))


@lru_cache(maxsize=1 << 14)
def _signals_in(texts: tuple[str | None, ...]) -> tuple[Signal, ...]:
    found: dict[SignalKind, Signal] = {}
    for text in texts:
        if not text:
            continue
        for sentence in _SENTENCES.split(text):
            sentence = sentence.strip()
            key = match_key(sentence)
            if not key:
                continue
            for kind, name_ar, weight, keywords in _rules():
                if kind in found:
                    continue
                hit = keywords.first_hit(key)
                if hit is not None:
                    found[kind] = Signal(kind=kind, name_ar=name_ar, weight=weight, keyword=hit, evidence=sentence)
    return tuple(sorted(found.values(), key=lambda s: (-s.weight, s.kind)))
