"""The objection classifier: a weighted lexicon over folded text, deterministic and explainable.

    text ─▶ check (empty / too long / no words) ─▶ clean + fold (match_key) ─▶ words
         ─▶ cue matches per class (exact with light Arabic stemming, else near spelling via rapidfuzz)
         ─▶ evidence per class ─▶ confidence = top / (top + second + smoothing)
         ─▶ label, or ``unknown`` when the confidence is under the threshold
         ─▶ still ``unknown``: the labelled examples' reading (``examples.py``), when it is sure enough

Every match is returned as evidence, so an operator can see why a message got its label. The
lexicon (``data/lexicon.yaml``) is tuned on the dataset's ``tune`` split only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from skills.negotiation import examples
from skills.negotiation.catalog import Lexicon, load_lexicon
from skills.negotiation.models import OBJECTIONS, Classification, CueHit, ObjectionClass, Reader
from skills.negotiation.utterance import check_utterance, fold, script_of

QUESTION_MARKS = ("?", "؟")
NUMBER = "number"  # what "{number}" in a cue folds to; every number in a text also takes this form


@dataclass(frozen=True, slots=True)
class _Cue:
    label: ObjectionClass
    text: str
    words: tuple[frozenset[str], ...]  # the forms each cue word may take
    joined: str
    weight: float


@dataclass(frozen=True, slots=True)
class _Index:
    lexicon: Lexicon
    cues: tuple[_Cue, ...]
    counters: tuple[_Cue, ...]
    injection: tuple[_Cue, ...]


@dataclass(slots=True)
class _Hit:
    cue: _Cue
    start: int
    size: int
    weight: float
    fuzzy: bool

    @property
    def span(self) -> range:
        return range(self.start, self.start + self.size)


def word_forms(word: str, lexicon: Lexicon) -> frozenset[str]:
    """A folded word and its light stems: one proclitic off the front, one ending off the back."""
    forms = {word}
    if word.isdigit():
        forms.add(NUMBER)
    if not word.isascii():
        for prefix in lexicon.arabic_proclitics:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                forms.add(word[len(prefix):])
        for form in list(forms):
            for suffix in lexicon.arabic_enclitics:
                if form.endswith(suffix) and len(form) - len(suffix) >= 2:
                    stem = form[: -len(suffix)]
                    forms.add(stem)
                    if stem.endswith("ت"):  # taa marbuta before an ending: ميزانيتنا -> ميزانيه
                        forms.add(stem[:-1] + "ه")
    else:
        for suffix in lexicon.latin_suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                forms.add(word[: -len(suffix)])
    return frozenset(forms)


def _cue(label: ObjectionClass, text: str, weight: float, lexicon: Lexicon) -> _Cue:
    folded = fold(text)
    return _Cue(label=label, text=text, words=tuple(word_forms(w, lexicon) for w in folded.split()),
                joined=folded, weight=weight)


@lru_cache(maxsize=1)
def _index() -> _Index:
    lexicon = load_lexicon()
    cues = [_cue(label, text, weight, lexicon) for label, entry in lexicon.classes.items()
            for text, weight in entry.cues.items()]
    counters = [_cue(label, text, 0.0, lexicon) for label, entry in lexicon.classes.items() for text in entry.counter]
    injection = [_cue(ObjectionClass.unknown, text, 0.0, lexicon) for text in lexicon.injection_cues]
    # Strongest first, so that of two variants matching the same words the heavier one counts.
    ordered = sorted((c for c in cues if c.words), key=lambda c: -c.weight)
    return _Index(lexicon=lexicon, cues=tuple(ordered), counters=tuple(c for c in counters if c.words),
                  injection=tuple(c for c in injection if c.words))


def _positions(forms: list[frozenset[str]]) -> dict[str, list[int]]:
    """Word form -> the positions of the text's words that can take it (an index for :func:`_exact`)."""
    index: dict[str, list[int]] = {}
    for position, options in enumerate(forms):
        for form in options:
            index.setdefault(form, []).append(position)
    return index


def _exact(cue: _Cue, forms: list[frozenset[str]], where: dict[str, list[int]]) -> int | None:
    """Where the cue's words first occur in the text, or None."""
    size = len(cue.words)
    starts = sorted({p for form in cue.words[0] for p in where.get(form, ())})
    for start in starts:
        if start + size <= len(forms) and all(cue.words[j] & forms[start + j] for j in range(1, size)):
            return start
    return None


def _windows(words: list[str], size: int) -> list[str]:
    return [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]


def _matches(index: _Index, words: list[str], forms: list[frozenset[str]], where: dict[str, list[int]]
             ) -> list[_Hit]:
    """Exact matches first; then near spellings of the cues left, on words the class has no evidence for yet."""
    lexicon = index.lexicon
    hits: list[_Hit] = []
    spans: set[tuple[ObjectionClass, int, int]] = set()
    unmatched: list[_Cue] = []
    for cue in index.cues:
        start = _exact(cue, forms, where)
        if start is None:
            unmatched.append(cue)
        elif (cue.label, start, len(cue.words)) not in spans:  # else: a variant of a cue counted on these words
            spans.add((cue.label, start, len(cue.words)))
            hits.append(_Hit(cue, start, len(cue.words), cue.weight, fuzzy=False))
    windows: dict[int, list[str]] = {}
    for cue in unmatched:
        size = len(cue.words)
        if len(cue.joined) < lexicon.fuzzy.min_chars or NUMBER in cue.joined.split():
            continue  # short cues, and cues with a {number} slot, match exactly only
        if size not in windows:
            windows[size] = _windows(words, size)
        candidates = windows[size]
        found = process.extractOne(cue.joined, candidates, scorer=fuzz.ratio, score_cutoff=lexicon.fuzzy.cutoff)
        if found is None:
            continue
        covered = {i for h in hits if h.cue.label == cue.label for i in h.span}
        if set(range(found[2], found[2] + size)) <= covered:
            continue
        hits.append(_Hit(cue, found[2], size, round(cue.weight * lexicon.fuzzy.weight, 3), fuzzy=True))
    return hits


def _apply_counters(index: _Index, hits: list[_Hit], forms: list[frozenset[str]], where: dict[str, list[int]]
                    ) -> list[CueHit]:
    """Evidence after counter cues cancelled what they cover; a counter shows as minus what it cancelled."""
    cancelled: list[CueHit] = []
    gone: set[int] = set()
    for counter in index.counters:
        start = _exact(counter, forms, where)
        if start is None:
            continue
        span = set(range(start, start + len(counter.words)))
        removed = [i for i, h in enumerate(hits)
                   if i not in gone and h.cue.label == counter.label and set(h.span) <= span]
        if removed:
            gone.update(removed)
            cancelled.append(CueHit(label=counter.label, cue=counter.text,
                                    weight=-round(sum(hits[i].weight for i in removed), 3), fuzzy=False))
    kept = [CueHit(label=h.cue.label, cue=h.cue.text, weight=h.weight, fuzzy=h.fuzzy) for h in hits]
    return kept + cancelled


def classify(text: str) -> Classification:
    """Classify one customer message. Raises :class:`UtteranceError` for empty, oversized or wordless text."""
    cleaned = check_utterance(text)
    index = _index()
    lexicon = index.lexicon
    words = fold(cleaned).split()
    forms = [word_forms(w, lexicon) for w in words]
    where = _positions(forms)
    evidence = _apply_counters(index, _matches(index, words, forms, where), forms, where)

    scores = {c.value: 0.0 for c in OBJECTIONS}
    for hit in evidence:
        scores[hit.label.value] += hit.weight
    scores = {label: round(max(score, 0.0), 3) for label, score in scores.items()}
    # Ties resolve in the classes' declared order, never by dict iteration luck.
    ranked = sorted(OBJECTIONS, key=lambda c: (-scores[c.value], OBJECTIONS.index(c)))
    for winner, loser in lexicon.precedence:
        # Several cues in one message: the pair's winner is answered first, whatever the weights say.
        if scores[winner.value] > 0 and scores[loser.value] > 0 and ranked.index(loser) < ranked.index(winner):
            ranked.remove(winner)
            ranked.insert(ranked.index(loser), winner)
            scores[winner.value] = max(scores[winner.value], scores[loser.value] + lexicon.min_score)
    top = ranked[0]
    # A class the top one takes precedence over is explained by it, not a rival: "the price is fine but
    # head office must approve" is an approval with full confidence, not a toss-up with price.
    outranked = {loser for winner, loser in lexicon.precedence if winner is top}
    rival = next(c for c in ranked[1:] if c not in outranked)
    second = ranked[1]
    top_score, second_score = scores[top.value], scores[second.value]
    confidence = top_score / (top_score + scores[rival.value] + lexicon.smoothing) if top_score > 0 else 0.0
    confident = confidence >= lexicon.threshold and top_score >= lexicon.min_score
    label = top if confident else ObjectionClass.unknown
    instruction_like = any(_exact(cue, forms, where) is not None for cue in index.injection)
    reader: Reader = "lexicon"
    best_guess = top if top_score > 0 else ObjectionClass.unknown
    # Two clear objections, or a question with no objection cue at all ("تشتغلون مع المطاعم؟"): ask back,
    # do not guess. On the development set this kept accuracy and cut unknown-read-as-an-objection from 7 to 1.
    balanced = second_score >= lexicon.second_objection_min_score
    open_question = top_score == 0 and cleaned.rstrip().endswith(QUESTION_MARKS)
    if label is ObjectionClass.unknown and not (instruction_like or balanced or open_question):
        # No clear cue: the labelled examples may still recognise the wording. Text aimed at the system
        # stays unknown; it is answered with a question, never with an argument it may have steered.
        found = examples.guess(cleaned)
        if found is not None:
            label, confidence, reader, best_guess = found.label, found.posterior, "examples", found.label
    script = script_of(cleaned)
    return Classification(
        label=label, confidence=round(confidence, 3), best_guess=best_guess, reader=reader,
        runner_up=second if second_score > 0 else None, scores=scores,
        evidence=tuple(sorted(evidence, key=lambda h: (-h.weight, h.label.value, h.cue))), script=script,
        reply_language="en" if script == "latin" else "ar",
        instruction_like=instruction_like,
        threshold=lexicon.threshold, lexicon_version=lexicon.version, label_ar=label_ar(label),
    )


def label_ar(label: ObjectionClass) -> str:
    lexicon = load_lexicon()
    return lexicon.unknown_label_ar if label is ObjectionClass.unknown else lexicon.classes[label].label_ar
