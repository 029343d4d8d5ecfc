"""The labelled dataset's integrity, and the report computed on it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from skills.negotiation.dataset import Utterance, load_negotiation_dataset
from skills.negotiation.models import ObjectionClass
from skills.negotiation.report import LABELS, evaluate, main, render_markdown
from skills.negotiation.utterance import fold

ALL = load_negotiation_dataset()
TUNE = load_negotiation_dataset("tune")
HELDOUT = load_negotiation_dataset("heldout")


def test_about_six_hundred_utterances_with_a_held_out_share_of_thirty_percent_or_more() -> None:
    assert len(ALL) >= 600
    assert len(TUNE) + len(HELDOUT) == len(ALL)
    assert len(HELDOUT) / len(ALL) >= 0.30


@pytest.mark.parametrize("split", [TUNE, HELDOUT], ids=["tune", "heldout"])
def test_every_class_and_unknown_is_in_each_split_with_several_examples(split: list[Utterance]) -> None:
    counts = Counter(item.label for item in split)
    assert set(counts) == set(ObjectionClass)
    assert min(counts.values()) >= 8


@pytest.mark.parametrize("split", [TUNE, HELDOUT], ids=["tune", "heldout"])
def test_every_language_variety_is_in_each_split(split: list[Utterance]) -> None:
    assert {item.lang for item in split} == {"msa", "saudi", "en", "arabizi", "mixed"}


def test_ids_are_unique_and_no_text_repeats_within_or_across_splits() -> None:
    assert len({item.id for item in ALL}) == len(ALL)
    folded = [fold(item.text) for item in ALL]
    assert len(set(folded)) == len(folded)
    assert not {fold(i.text) for i in TUNE} & {fold(i.text) for i in HELDOUT}


def test_a_malformed_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"id": "neg-001", "text": "غالي", "label": "price", "lang": "saudi", "split": "tune"}
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps({**good, "label": "cheap"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_negotiation_dataset(path=path)


def test_the_report_counts_add_up() -> None:
    report = evaluate("heldout")
    assert report.total == len(HELDOUT)
    assert sum(sum(row.values()) for row in report.confusion.values()) == report.total
    assert report.correct == sum(report.confusion[label][label] for label in LABELS)
    assert len(report.misses) == report.total - report.correct
    for label, score in report.per_class.items():
        assert score.support == sum(report.confusion[label].values())
    markdown = render_markdown(report)
    assert "| true \\ predicted |" in markdown and f"{report.accuracy:.3f}" in markdown


def test_a_classifier_that_always_says_unknown_scores_only_the_unknowns() -> None:
    from skills.negotiation.classifier import classify

    def always_unknown(text: str):  # type: ignore[no-untyped-def]
        return classify("السلام عليكم")

    report = evaluate("heldout", classifier=always_unknown)
    unknowns = sum(1 for item in HELDOUT if item.label is ObjectionClass.unknown)
    assert report.correct == unknowns and report.per_class["unknown"].accuracy == 1.0
    assert report.per_class["price"].accuracy == 0.0


def test_held_out_accuracy_stays_above_the_floor_and_objections_are_rarely_confused() -> None:
    # A regression gate, not a target: the measured figures (0.937; 8 of 237 objections read as another
    # objection) are in docs/negotiation.md, and evals/thresholds.yaml gates the same accuracy.
    report = evaluate("heldout")
    assert report.accuracy >= 0.93
    objections = [label for label in LABELS if label != "unknown"]
    confused = sum(report.confusion[t][p] for t in objections for p in objections if t != p)
    assert confused <= 8


def test_the_examples_reader_learns_from_the_tune_split_only() -> None:
    from importlib import resources

    source = resources.files("skills.negotiation").joinpath("data").joinpath("examples.jsonl")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {(r["id"], r["text"], r["label"]) for r in rows} == {(i.id, i.text, i.label.value) for i in TUNE}
    assert not {fold(r["text"]) for r in rows} & {fold(i.text) for i in HELDOUT}


def test_the_dataset_is_every_jsonl_file_of_its_folder(tmp_path: Path) -> None:
    line = {"id": "neg-001", "text": "غالي", "label": "price", "lang": "saudi", "split": "tune"}
    (tmp_path / "a.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({**line, "id": "neg-002", "split": "heldout"}) + "\n",
                                      encoding="utf-8")
    (tmp_path / "README.md").write_text("not data", encoding="utf-8")
    assert [i.id for i in load_negotiation_dataset(path=tmp_path)] == ["neg-001", "neg-002"]
    assert [i.id for i in load_negotiation_dataset("heldout", path=tmp_path)] == ["neg-002"]


def test_the_report_command_prints_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--split", "tune"]) == 0
    assert "Split `tune`" in capsys.readouterr().out
    assert main(["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["split"] == "heldout"
