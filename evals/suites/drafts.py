"""Suite 4, draft quality: the copywriter's drafts graded against the lead they were written for.

Each case is one lead brief (channel and language included) given to the production copywriter
(``agents.models.build_copywriter``: the offline templates, or the configured model). A case
expecting ``ready`` passes when the draft came out ready and every grader in
:mod:`evals.graders.drafts` passes; a case expecting ``needs_review`` (a brief whose own data
would make the text promise, discount or leave a placeholder) passes only when the copywriter's
guard refused it, so no draft exists to be sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field

from agents.copywriter import LeadBrief
from agents.models import build_copywriter
from evals.graders.drafts import DraftText, LeadFacts, grade_draft
from evals.models import CaseModel, CaseOutcome, CaseResult, Check
from evals.suites.base import Suite, Trial, pass_rate
from tools.canonical import canonical_json, sha256_hex
from tools.pii import PiiMasker


class DraftCase(CaseModel):
    lead: LeadFacts
    channel: Literal["email", "whatsapp"]
    language: Literal["ar", "en"] = "ar"
    other_names: tuple[str, ...] = Field(default=(), description="Other contacts of the same batch.")
    expect: Literal["ready", "needs_review"] = "ready"


def _brief(case: DraftCase) -> LeadBrief:
    lead = case.lead
    points = tuple(v for v in (lead.phone, lead.email) if v)
    return LeadBrief(lead_id=case.id, channel=case.channel, language=case.language, company_name=lead.company_name,
                     contact_name=lead.contact_name, title=lead.title, city=lead.city, sector=lead.sector,
                     contact_points=points)


class DraftsSuite(Suite[DraftCase]):
    name: ClassVar[str] = "drafts"
    title: ClassVar[str] = "Draft quality"
    case_model = DraftCase
    dimensions = ("channel", "language", "expect", "check_failed")
    confusion_labels = ("ready", "needs_review")

    def run_case(self, case: DraftCase, trial: Trial) -> CaseOutcome:
        settings = trial.env.settings_for(trial.workdir)
        copywriter = build_copywriter(settings, PiiMasker(settings.signing_key()))
        draft = copywriter.write(_brief(case), other_names=case.other_names)
        status_ok = draft.status == case.expect
        checks = [Check(name="status", passed=status_ok, detail=f"expected {case.expect}, got {draft.status}"
                        + (f" ({draft.guard.summary()})" if draft.status == "needs_review" else ""))]
        # A draft the fallback chain wrote is not the model under test: grading it would let a broken
        # endpoint pass on the offline templates.
        checks.append(Check(name="served_by_model_under_test", passed=not draft.fell_back,
                            detail=f"written by {draft.model}"
                            + (f" after {', '.join(draft.fell_back_from)} failed" if draft.fell_back else "")))
        if case.expect == "ready" and draft.status == "ready":
            text = DraftText(channel=case.channel, language=case.language, subject=draft.subject, body=draft.body)
            checks.extend(grade_draft(text, case.lead, other_names=case.other_names))
        elif case.expect == "needs_review":
            checks.append(Check(name="no_draft_text", passed=not draft.body, detail="empty" if not draft.body
                                else "a refused draft still carries text"))
        failed = [c.name for c in checks if not c.passed]
        return CaseOutcome(
            passed=not failed, checks=tuple(checks),
            labels={"channel": case.channel, "language": case.language, "expect": case.expect,
                    "check_failed": failed[0] if failed else "none"},
            metrics={c.name: float(c.passed) for c in checks},
            expected_label=case.expect, actual_label=draft.status,
            fingerprint=sha256_hex(canonical_json([draft.status, draft.subject, draft.body])))

    def metrics(self, results: Sequence[CaseResult]) -> dict[str, float]:
        names = sorted({m for r in results for m in r.metrics})
        found = {"quality_rate": pass_rate(results), "cases": float(len(results))}
        for name in names:
            values = [r.metrics[name] for r in results if name in r.metrics]
            found[f"check.{name}"] = sum(values) / len(values)
        return found

