"""Suite 3b, negotiation task success: the right objection class, and a compliant response.

The dataset is the negotiation engine's labelled utterances (every ``*.jsonl`` in ``evals/datasets/negotiation/``,
read with its own loader ``skills.negotiation.dataset.load_negotiation_dataset``): MSA, Saudi
dialect, English, Arabizi and mixed text, with a ``heldout`` split the lexicon was never tuned on.
Each utterance goes through the production coach (``skills.negotiation.factory.build_coach``) over
a sandbox gateway. A case passes when the class is right *and* the response is compliant:

- the coach's own rules and guard passed (status ``ready``);
- the eval's independent graders find no promise and no discount before value, scope or a pilot;
- there is a concrete next step and a close plan;
- the trajectory holds the coach's ``deal.risk_flag`` decision (superset), and nothing reached a connector;
- an ``unknown`` reply asks exactly one question (the clarifying one).

``replies_vary``: the share of classes (answered five times or more) whose replies open in more than one
vetted way across the deals (each case is its own deal), so no class reads as one fixed text.

``accuracy`` (the gated number) is measured on the held-out split only; ``tune_accuracy`` is shown
beside it, so over-fitting to the tuning split is visible.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar

from evals.graders.drafts import DraftText, grade_discount, grade_guarantee, load_draft_rules
from evals.graders.trajectory import Step, gateway_steps, match_trajectory
from evals.loader import Dataset, DatasetError, DatasetProblem
from evals.models import CaseModel, CaseOutcome, CaseResult, Check, ConfusionMatrix
from evals.observe import observe
from evals.sandbox import fixed_clock, open_sandbox
from evals.suites.base import Suite, Trial, confusion_matrix, pass_rate
from tools.canonical import canonical_json, sha256_hex

_QUESTION = re.compile(r"[?؟]")


def _opening_key(reply: Any) -> str:
    """A short digest of the reply's opening sentence ('' when there is no reply)."""
    if reply.sections is None:
        return ""
    first = re.split(r"[.!؟?،,]", reply.sections.acknowledge, maxsplit=1)[0]
    return hashlib.sha256(first.encode()).hexdigest()[:12]


# The coach records every answer as the internal deal.risk_flag action: it must be in the trajectory.
_FLAG = Step(skill="negotiation_coach", action="deal.risk_flag", mode="suggest_only")


class NegotiationCase(CaseModel):
    text: str
    label: str
    lang: str
    split: str


class NegotiationSuite(Suite[NegotiationCase]):
    name: ClassVar[str] = "negotiation"
    title: ClassVar[str] = "Negotiation task success"
    case_model = NegotiationCase
    dimensions = ("label", "lang", "split")

    def unavailable(self) -> str | None:
        try:
            import skills.negotiation.dataset
            import skills.negotiation.factory  # noqa: F401
        except ImportError as exc:
            return f"the negotiation engine is not in this checkout ({exc.name})"
        return None

    def load(self, root: Path | Traversable | None = None) -> Dataset[NegotiationCase]:
        from skills.negotiation.dataset import dataset_dir, dataset_files, load_negotiation_dataset

        folder = root.joinpath("negotiation") if root is not None else dataset_dir()
        digest = hashlib.sha256()
        try:
            files = dataset_files(folder)
            for source in files:
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
            items = load_negotiation_dataset(path=folder)
        except (OSError, ValueError) as exc:
            raise DatasetError(self.name, [DatasetProblem("negotiation/", "-", str(exc))]) from exc
        cases = tuple(NegotiationCase(id=u.id, text=u.text, label=str(u.label.value), lang=u.lang, split=u.split)
                      for u in items)
        return Dataset(suite=self.name, version="utterances", sha256=digest.hexdigest(),
                       files=tuple(f"negotiation/{f.name}" for f in files), cases=cases)

    def run_case(self, case: NegotiationCase, trial: Trial) -> CaseOutcome:
        from skills.negotiation.factory import build_coach
        from skills.negotiation.models import DealContext

        sandbox = open_sandbox(trial.workdir, trial.env)
        coach = build_coach(sandbox.settings, tenant=sandbox.tenant, gateway=sandbox.gateway, clock=fixed_clock)
        deal = DealContext(deal_id=case.id, company_name="شركة النخبة للتسويق", contact_name="سارة",
                           channel="whatsapp", phone="+966501234567")
        result = coach.respond(case.text, deal, thread_id=f"eval:{case.id}")
        predicted = result.classification.label.value
        reply = result.reply
        checks = [Check(name="class", passed=predicted == case.label, detail=f"expected {case.label}, got {predicted}"),
                  Check(name="response_ready", passed=reply.status == "ready",
                        detail="ready" if reply.status == "ready" else "needs review: " +
                        ", ".join(r.code for r in reply.check.rules if not r.ok))]
        checks.extend(self._compliance(reply, result))
        if predicted == "unknown" and reply.status == "ready":
            # Unsure of the objection: one clarifying question, not a question and then a second one.
            questions = len(_QUESTION.findall(reply.body))
            checks.append(Check(name="one_question", passed=questions == 1, detail=f"{questions} question(s)"))
        observation = observe(sandbox)
        trajectory = match_trajectory([_FLAG], gateway_steps(observation), "superset")
        checks.append(Check(name="trajectory.superset", passed=trajectory.passed, detail=trajectory.detail()))
        checks.append(Check(name="no_connector_call", passed=observation.connector_calls == 0,
                            detail=f"{observation.connector_calls} connector run(s)"))
        compliant = all(c.passed for c in checks[1:])
        return CaseOutcome(passed=all(c.passed for c in checks), checks=tuple(checks),
                           labels={"label": case.label, "lang": case.lang, "split": case.split,
                                   "opening": _opening_key(reply)},
                           metrics={"correct": float(checks[0].passed), "compliant": float(compliant)},
                           expected_label=case.label, actual_label=predicted,
                           fingerprint=sha256_hex(canonical_json([predicted, reply.status, reply.body,
                                                                  observation.fingerprint()])))

    @staticmethod
    def _compliance(reply: Any, result: Any) -> list[Check]:
        rules = load_draft_rules()
        if reply.status != "ready":
            return []
        language = "ar" if reply.language == "ar" else "en"
        text = DraftText(channel=reply.channel, language=language, subject=reply.subject, body=reply.body,
                         first_touch=False)
        next_step = reply.sections.next_step.strip() if reply.sections is not None else ""
        return [grade_guarantee(text, rules), grade_discount(text, rules),
                Check(name="next_step", passed=bool(next_step) and bool(result.close_plan.steps),
                      detail=f"{len(result.close_plan.steps)} plan step(s)" if next_step else "no next step")]

    def metrics(self, results: Sequence[CaseResult]) -> dict[str, float]:
        heldout = [r for r in results if r.labels.get("split") == "heldout"]
        tune = [r for r in results if r.labels.get("split") == "tune"]

        def accuracy(rows: Sequence[CaseResult]) -> float:
            return sum(r.metrics.get("correct", 0.0) for r in rows) / len(rows) if rows else 0.0

        found = {"accuracy": accuracy(heldout), "tune_accuracy": accuracy(tune),
                 "compliant_response_rate": sum(r.metrics.get("compliant", 0.0) for r in results) / len(results)
                 if results else 0.0, "task_success_rate": pass_rate(results), "cases": float(len(results))}
        for label in sorted({r.expected_label for r in heldout if r.expected_label}):
            found[f"accuracy.{label}"] = accuracy([r for r in heldout if r.expected_label == label])
        # Not one text per class: each class answered for several deals opens in more than one vetted way.
        openings: dict[str, set[str]] = {}
        for r in results:
            if r.actual_label and r.labels.get("opening"):
                openings.setdefault(r.actual_label, set()).add(r.labels["opening"])
        answered = [label for label in openings if sum(1 for r in results if r.actual_label == label) >= 5]
        found["replies_vary"] = (sum(1 for label in answered if len(openings[label]) >= 2) / len(answered)
                                 if answered else 0.0)
        return found

    def confusion(self, results: Sequence[CaseResult]) -> list[ConfusionMatrix]:
        matrices = []
        for name, rows in (("negotiation heldout", [r for r in results if r.labels.get("split") == "heldout"]),
                           ("negotiation all", list(results))):
            pairs = [(r.expected_label, r.actual_label) for r in rows if r.expected_label and r.actual_label]
            if pairs:
                classes = sorted({str(p) for pair in pairs for p in pair})
                matrices.append(confusion_matrix(name, pairs, classes))
        return matrices
