"""Langfuse: datasets, runs and scores pushed through the client; no client at all without keys."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from evals.langfuse_push import DATASET_PREFIX, build_langfuse_client, item_id, push_run
from evals.runner import RunOptions, run_eval, select_suites
from tools.pii import PiiMasker


@dataclass
class Item:
    id: str
    input: Any
    expected_output: Any
    metadata: Any


@dataclass
class Dataset:
    items: list[Item]


@dataclass
class StubLangfuse:
    """Records what Dealix asks of Langfuse and drives the experiment callbacks like the SDK does."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    items: dict[str, list[Item]] = field(default_factory=dict)
    scores: list[tuple[str, str, float]] = field(default_factory=list)
    run_scores: list[tuple[str, float]] = field(default_factory=list)
    flushed: int = 0

    def create_dataset(self, **kwargs: Any) -> None:
        self.calls.append(("create_dataset", kwargs))

    def create_dataset_item(self, **kwargs: Any) -> None:
        self.calls.append(("create_dataset_item", kwargs))
        self.items.setdefault(kwargs["dataset_name"], []).append(
            Item(kwargs["id"], kwargs["input"], kwargs["expected_output"], kwargs["metadata"]))

    def get_dataset(self, name: str) -> Dataset:
        return Dataset(self.items[name])

    def run_experiment(self, *, name: str, run_name: str, data: list[Item], task: Any, evaluators: list[Any],
                       run_evaluators: list[Any], **kwargs: Any) -> None:
        self.calls.append(("run_experiment", {"name": name, "run_name": run_name, "items": len(data), **kwargs}))
        results = []
        for item in data:
            output = task(item=item)
            for evaluator in evaluators:
                for evaluation in evaluator(input=item.input, output=output, expected_output=item.expected_output,
                                            metadata=item.metadata):
                    self.scores.append((item.metadata["case_id"], evaluation.name, evaluation.value))
            results.append(output)
        for evaluator in run_evaluators:
            self.run_scores.extend((e.name, e.value) for e in evaluator(item_results=results))

    def flush(self) -> None:
        self.flushed += 1


def test_no_keys_no_client_and_langfuse_is_not_even_imported(base_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "langfuse", None)  # any import of it would now raise
    assert build_langfuse_client(base_settings, PiiMasker(b"k" * 32)) is None
    half = base_settings.model_copy(update={"langfuse_public_key": SecretStr("pk-lf-1")})
    assert build_langfuse_client(half, PiiMasker(b"k" * 32)) is None


def test_a_run_is_pushed_as_datasets_items_an_experiment_and_scores():
    report = run_eval(RunOptions(suites=["policy", "drafts"], case_filter=["direct.live_email.plain",
                                                                           "direct.cold_whatsapp.no_opt_in",
                                                                           "email.ar.full"]))
    client = StubLangfuse()
    pushed = push_run(client, report, select_suites(["policy", "drafts"]), PiiMasker(b"k" * 32))

    assert pushed == [f"{DATASET_PREFIX}policy", f"{DATASET_PREFIX}drafts"]
    datasets = [c[1]["name"] for c in client.calls if c[0] == "create_dataset"]
    assert datasets == pushed
    items = [c[1] for c in client.calls if c[0] == "create_dataset_item"]
    assert {i["metadata"]["case_id"] for i in items} == {"direct.live_email.plain", "direct.cold_whatsapp.no_opt_in",
                                                       "email.ar.full"}
    assert items[0]["id"] == item_id("policy", items[0]["metadata"]["case_id"]), "stable ids: upserts, not copies"
    experiments = [c[1] for c in client.calls if c[0] == "run_experiment"]
    assert {e["run_name"] for e in experiments} == {report.run_id}
    assert ("direct.live_email.plain", "passed", 1.0) in client.scores
    assert ("compliance_rate", 1.0) in client.run_scores and ("pass^1", 1.0) in client.run_scores
    assert client.flushed == 1


def test_pushed_inputs_are_masked():
    report = run_eval(RunOptions(suites=["drafts"], case_filter=["email.ar.full"]))
    client = StubLangfuse()
    push_run(client, report, select_suites(["drafts"]), PiiMasker(b"k" * 32))
    pushed = str([c[1]["input"] for c in client.calls if c[0] == "create_dataset_item"])
    assert "sara@alnokhba.example.sa" not in pushed and "+966501234567" not in pushed
