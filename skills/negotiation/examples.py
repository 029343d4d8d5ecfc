"""The classifier's second reader: labelled examples, for a message the lexicon has no clear cue for.

The lexicon is precise but only knows the phrasings someone wrote a cue for; on unseen wording most of
its misses are ``unknown``. This module reads the message the way a person who has seen many
objections would: a naive Bayes model over the folded text's words and character n-grams (3 to 5
letters inside a word, so "ميزانيتنا" and "الميزانية" share most of their grams, and Arabizi spellings
that differ by a letter still meet), trained on ``data/examples.jsonl``.

``data/examples.jsonl`` holds only the ``tune`` utterances of the labelled sets (a test checks that
no held-out text is in it). It is consulted only when the lexicon says ``unknown``, and its answer
counts only with a posterior of at least ``min_posterior`` (chosen on the development set), so a
clear lexicon label is never overridden and a message unlike every example stays ``unknown``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from skills.negotiation.models import ObjectionClass
from skills.negotiation.utterance import fold

GRAMS = (3, 4, 5)
ALPHA = 0.1  # additive smoothing; chosen on the development set with the lexicon of before issue 22's cues
MIN_POSTERIOR = 0.9
MIN_WORDS = 2  # one word without a cue ("تمام", "ok") is an acknowledgement, not an objection to guess


@dataclass(frozen=True, slots=True)
class ExampleGuess:
    label: ObjectionClass
    posterior: float


def features(text: str) -> frozenset[str]:
    """Folded words and the character n-grams of each word (with its edges marked)."""
    found: set[str] = set()
    for word in fold(text).split():
        found.add("w:" + word)
        padded = f" {word} "
        for size in GRAMS:
            found.update("c:" + padded[i:i + size] for i in range(max(1, len(padded) - size + 1)))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _Model:
    log_prior: dict[ObjectionClass, float]
    log_likelihood: dict[ObjectionClass, dict[str, float]]
    log_missing: dict[ObjectionClass, float]
    vocabulary: frozenset[str]


def _train(rows: list[tuple[str, ObjectionClass]]) -> _Model:
    counts: dict[ObjectionClass, Counter[str]] = {}
    documents: Counter[ObjectionClass] = Counter()
    for text, label in rows:
        grams = features(text)
        documents[label] += 1
        counts.setdefault(label, Counter()).update(grams)
    vocabulary = frozenset(g for c in counts.values() for g in c)
    size = len(vocabulary)
    total = sum(documents.values())
    log_likelihood: dict[ObjectionClass, dict[str, float]] = {}
    log_missing: dict[ObjectionClass, float] = {}
    for label, seen in counts.items():
        denominator = sum(seen.values()) + ALPHA * size
        log_likelihood[label] = {g: math.log((n + ALPHA) / denominator) for g, n in seen.items()}
        log_missing[label] = math.log(ALPHA / denominator)
    return _Model(log_prior={label: math.log(n / total) for label, n in documents.items()},
                  log_likelihood=log_likelihood, log_missing=log_missing, vocabulary=vocabulary)


@lru_cache(maxsize=1)
def _model() -> _Model:
    source = resources.files("skills.negotiation").joinpath("data").joinpath("examples.jsonl")
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            rows.append((str(item["text"]), ObjectionClass(item["label"])))
    return _train(rows)


def guess(cleaned: str) -> ExampleGuess | None:
    """The examples' class for a checked text, or None when no class reaches ``MIN_POSTERIOR``."""
    if len(fold(cleaned).split()) < MIN_WORDS:
        return None
    model = _model()
    grams = [g for g in features(cleaned) if g in model.vocabulary]
    if not grams:
        return None
    scores = {label: prior + sum(model.log_likelihood[label].get(g, model.log_missing[label]) for g in grams)
              for label, prior in model.log_prior.items()}
    top = max(scores.values())
    total = sum(math.exp(s - top) for s in scores.values())
    label, best = max(scores.items(), key=lambda item: (item[1], -list(ObjectionClass).index(item[0])))
    posterior = math.exp(best - top) / total
    if label is ObjectionClass.unknown or posterior < MIN_POSTERIOR:
        return None
    return ExampleGuess(label=label, posterior=round(posterior, 3))
