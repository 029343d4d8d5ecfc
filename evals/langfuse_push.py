"""Pushing a run to Langfuse: each suite's cases as a dataset, the run as an experiment, its scores.

Only when both Langfuse keys are configured; otherwise no client is built at all (the SDK would
otherwise log authentication errors and try the network). What is pushed:

- ``create_dataset`` per suite (``dealix-eval/<suite>``) and ``create_dataset_item`` per case,
  with a stable id (the same case is upserted, never duplicated);
- ``run_experiment`` over the dataset's items, named after the run id, whose task returns the
  recorded outcome (nothing is re-run) and whose evaluators give each item its scores
  (``passed`` and the case's metrics); the suite's metrics are the run-level scores.

Case inputs are masked with the PII masker before they leave, as every trace is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from dealix.settings import Settings
from evals.models import CaseModel, CaseResult, RunReport, SuiteResult
from evals.suites import Suite
from tools.pii import PiiMasker

DATASET_PREFIX = "dealix-eval/"


def build_langfuse_client(settings: Settings, masker: PiiMasker) -> Any | None:
    """A Langfuse client when both keys are set, else None (and langfuse is not even imported)."""
    if settings.langfuse_public_key is None or settings.langfuse_secret_key is None:
        return None
    from langfuse import Langfuse
    from opentelemetry.sdk.trace import TracerProvider

    return Langfuse(public_key=settings.langfuse_public_key.get_secret_value(),
                    secret_key=settings.langfuse_secret_key.get_secret_value(), base_url=settings.langfuse_host,
                    mask=lambda *, data, **_: masker.mask(data), tracer_provider=TracerProvider())


def item_id(suite: str, case_id: str) -> str:
    """Globally unique and stable: Langfuse item ids may not repeat across datasets."""
    return hashlib.sha256(f"{DATASET_PREFIX}{suite}/{case_id}".encode()).hexdigest()[:32]


def _evaluation(name: str, value: float, comment: str | None = None) -> Any:
    from langfuse import Evaluation

    return Evaluation(name=name, value=value, comment=comment)


def push_run(client: Any, report: RunReport, suites: Sequence[Suite[Any]], masker: PiiMasker) -> list[str]:
    """Push every suite that ran; returns the dataset names pushed."""
    pushed: list[str] = []
    by_name = {s.name: s for s in suites}
    for result in report.suites:
        suite = by_name.get(result.suite)
        if result.status != "ran" or suite is None or not result.cases:
            continue
        pushed.append(_push_suite(client, report, result, suite, masker))
    client.flush()
    return pushed


def _push_suite(client: Any, report: RunReport, result: SuiteResult, suite: Suite[Any], masker: PiiMasker) -> str:
    name = f"{DATASET_PREFIX}{result.suite}"
    cases: dict[str, CaseModel] = {c.id: c for c in suite.load().cases}
    client.create_dataset(name=name, description=suite.title,
                          metadata={"dataset_sha256": result.dataset_sha256, "version": result.dataset_version})
    for case in result.cases:
        source = cases.get(case.case_id)
        client.create_dataset_item(
            dataset_name=name, id=item_id(result.suite, case.case_id),
            input=masker.mask(source.model_dump(mode="json")) if source is not None else {"case_id": case.case_id},
            expected_output={"passed": True, "label": case.expected_label},
            metadata={"case_id": case.case_id, **case.labels})
    outcomes: dict[str, CaseResult] = {item_id(result.suite, c.case_id): c for c in result.cases}
    dataset = client.get_dataset(name)

    def task(*, item: Any, **_: Any) -> dict[str, Any]:
        case = outcomes[item.id]
        return {"passed": case.passed, "actual_label": case.actual_label,
                "failed_checks": case.failed_checks, "successes": case.successes, "trials": case.trials}

    def evaluator(*, metadata: dict[str, Any] | None = None, **_: Any) -> list[Any]:
        case = outcomes[item_id(result.suite, str((metadata or {}).get("case_id")))]
        scores = [_evaluation("passed", float(case.passed), ", ".join(case.failed_checks) or None)]
        return scores + [_evaluation(k, v) for k, v in sorted(case.metrics.items())]

    def run_scores(**_: Any) -> list[Any]:
        return [_evaluation(k, v) for k, v in sorted(result.metrics.items())] + \
            [_evaluation(f"pass^{k}", v) for k, v in sorted(result.pass_hat_k.items())]

    client.run_experiment(name=name, run_name=report.run_id, description=f"{suite.title} · {report.model}",
                          data=[i for i in dataset.items if i.id in outcomes], task=task,
                          evaluators=[evaluator], run_evaluators=[run_scores],
                          metadata={"model": report.model, "policy_version": report.policy_version,
                                    "trials": str(report.trials)})
    return name
