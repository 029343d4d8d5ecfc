"""Why-now signals from the notes and fields provided, each with the sentence that shows it."""

from __future__ import annotations

import re
from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.keywords import KeywordSet
from skills.targeting.models import Lead, NoteFlag, Signal, SignalKind
from skills.targeting.notes import SENTENCES, is_instruction, quote, read_notes
from skills.targeting.textkeys import match_key

_ASCII_LETTER = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[SignalKind, str, int, KeywordSet], ...]:
    return tuple((kind, rule.name_ar, rule.weight, KeywordSet.of(rule.keywords))
                 for kind, rule in load_catalog().signals.signals.items())


@lru_cache(maxsize=1)
def _any_keyword() -> KeywordSet:
    """Every signal keyword in one set: a sentence it finds nothing in has no signal of any kind."""
    return KeywordSet(tuple(pair for _, _, _, keywords in _rules() for pair in keywords.keys))


@lru_cache(maxsize=1)
def _keywords_need_letters() -> bool:
    """True when every keyword has a character other than a digit or a space."""
    return all(any(not (ch.isdigit() or ch.isspace()) for ch in key) for key, _ in _any_keyword().keys)


def detect_signals(lead: Lead) -> list[Signal]:
    """At most one signal per kind, strongest first; evidence is the original sentence."""
    return list(_signals_in((lead.notes, *lead.extras.values())))


def note_flags(lead: Lead) -> list[NoteFlag]:
    """What the lead's free text raised for a person to review (the notes, and columns kept as extras)."""
    flags: list[NoteFlag] = []
    if not lead.notes and not lead.extras:
        return flags
    reading = read_notes(lead.notes)
    if reading.opt_out is not None:
        flags.append("notes_opt_out")
    if reading.instruction or any(is_instruction(text) for text in lead.extras.values()
                                  if text and not _no_letters(text)):
        flags.append("notes_instruction")
    return flags


def _signals_in(texts: tuple[str | None, ...]) -> tuple[Signal, ...]:
    # The first text (in order) that shows a kind gives its signal, as if all were read in one pass.
    found: dict[SignalKind, Signal] = {}
    for text in texts:
        if text and not _no_letters(text):
            for signal in _signals_in_text(text):
                found.setdefault(signal.kind, signal)
    return tuple(sorted(found.values(), key=lambda s: (-s.weight, s.kind)))


@lru_cache(maxsize=1 << 14)
def _signals_in_text(text: str) -> tuple[Signal, ...]:
    # Cached per text, not per lead: notes repeat across a file, while the other columns kept in
    # ``extras`` (an id, a row number) are different on every row.
    found: dict[SignalKind, Signal] = {}
    if is_instruction(text):  # text written to steer an assistant adds nothing, whatever words it holds
        return ()
    for sentence in SENTENCES.split(text):
        sentence = sentence.strip()
        key = match_key(sentence)
        if not key or _any_keyword().first_hit(key) is None:
            continue
        for kind, name_ar, weight, keywords in _rules():
            if kind in found:
                continue
            hit = keywords.first_hit(key)
            if hit is not None:
                found[kind] = Signal(kind=kind, name_ar=name_ar, weight=weight, keyword=hit, evidence=quote(sentence))
    return tuple(found.values())


def _no_letters(text: str) -> bool:
    """An ASCII text without a letter (an id, a date, a number): no keyword can be in it.

    Its match key is the same digits and separators (ASCII skips the Arabic folding), so this
    holds whenever every keyword has a letter, which ``_keywords_need_letters`` checks. Such
    columns are unique per row and would only fill the cache.
    """
    return text.isascii() and _ASCII_LETTER.search(text) is None and _keywords_need_letters()
