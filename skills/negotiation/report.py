"""Accuracy per class and the confusion matrix of the classifier on one split of the dataset.

    python -m skills.negotiation.report                 # the held-out split, as Markdown
    python -m skills.negotiation.report --split tune    # the split the lexicon is tuned on
    python -m skills.negotiation.report --split all --file evals/datasets/negotiation/issue22_heldout_v3.jsonl
    python -m skills.negotiation.report --json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skills.negotiation.classifier import classify
from skills.negotiation.dataset import Utterance, load_negotiation_dataset
from skills.negotiation.models import Classification, ObjectionClass, Split

LABELS: tuple[str, ...] = tuple(c.value for c in ObjectionClass)


class ClassScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    support: int = Field(description="Utterances whose true label is this class.")
    correct: int
    accuracy: float = Field(description="correct / support (the class's recall).")
    precision: float = Field(description="Of the utterances predicted as this class, the share that were.")


class Miss(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    lang: str
    expected: str
    predicted: str
    confidence: float


class EvalReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    split: str
    total: int
    correct: int
    accuracy: float
    per_class: dict[str, ClassScore]
    per_lang: dict[str, float] = Field(description="Accuracy per language variety.")
    confusion: dict[str, dict[str, int]] = Field(description="confusion[true][predicted] = count.")
    misses: list[Miss]
    lexicon_version: str


def evaluate(split: Split | None = "heldout", *, items: Sequence[Utterance] | None = None,
             classifier: Callable[[str], Classification] = classify) -> EvalReport:
    data = list(items) if items is not None else load_negotiation_dataset(split)
    confusion = {t: dict.fromkeys(LABELS, 0) for t in LABELS}
    by_lang: dict[str, list[bool]] = {}
    misses: list[Miss] = []
    version = ""
    for item in data:
        result = classifier(item.text)
        version = result.lexicon_version
        predicted = result.label.value
        confusion[item.label.value][predicted] += 1
        by_lang.setdefault(item.lang, []).append(predicted == item.label.value)
        if predicted != item.label.value:
            misses.append(Miss(id=item.id, text=item.text, lang=item.lang, expected=item.label.value,
                               predicted=predicted, confidence=result.confidence))
    per_class: dict[str, ClassScore] = {}
    for label in LABELS:
        support = sum(confusion[label].values())
        correct = confusion[label][label]
        predicted_total = sum(confusion[t][label] for t in LABELS)
        per_class[label] = ClassScore(support=support, correct=correct,
                                      accuracy=round(correct / support, 3) if support else 0.0,
                                      precision=round(correct / predicted_total, 3) if predicted_total else 0.0)
    correct = sum(confusion[label][label] for label in LABELS)
    return EvalReport(split=split or "all", total=len(data), correct=correct,
                      accuracy=round(correct / len(data), 3) if data else 0.0, per_class=per_class,
                      per_lang={lang: round(sum(v) / len(v), 3) for lang, v in sorted(by_lang.items())},
                      confusion=confusion, misses=misses, lexicon_version=version)


_SHORT = {"price": "price", "timing": "timing", "trust": "trust", "already_have_agency": "agency",
          "need_team_approval": "approval", "not_priority": "not_prio", "send_details": "details",
          "want_guarantee": "guarantee", "unknown": "unknown"}


def render_markdown(report: EvalReport) -> str:
    lines = [f"Split `{report.split}`: {report.total} utterances, {report.correct} correct, "
             f"accuracy **{report.accuracy:.3f}** (lexicon {report.lexicon_version}).", "",
             "| class | support | correct | accuracy | precision |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, score in report.per_class.items():
        lines.append(f"| {label} | {score.support} | {score.correct} | {score.accuracy:.3f} | {score.precision:.3f} |")
    lines += ["", "Accuracy per language: " + ", ".join(f"{k} {v:.3f}" for k, v in report.per_lang.items()), "",
              "Confusion matrix (rows: true label, columns: predicted):", "",
              "| true \\ predicted | " + " | ".join(_SHORT[label] for label in LABELS) + " |",
              "| --- |" + " ---: |" * len(LABELS)]
    for true in LABELS:
        lines.append(f"| {_SHORT[true]} | " + " | ".join(str(report.confusion[true][p]) for p in LABELS) + " |")
    if report.misses:
        lines += ["", "Misclassified:", ""]
        lines += [f"- `{m.id}` ({m.lang}) {m.text!r}: expected {m.expected}, got {m.predicted} "
                  f"({m.confidence:.2f})" for m in report.misses]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="heldout")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--file", type=Path, default=None, help="A JSONL set of the same shape (default: the dataset).")
    args = parser.parse_args(argv)
    split: Split | None = None if args.split == "all" else args.split
    report = evaluate(split, items=load_negotiation_dataset(split, path=args.file) if args.file else None)
    sys.stdout.write((report.model_dump_json(indent=2) if args.json else render_markdown(report)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
