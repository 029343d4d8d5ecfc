"""Suite 4, draft quality: the copywriter's drafts graded against the lead they were written for.

Each case is one lead brief (channel and language included) given to the production copywriter
(``agents.models.build_copywriter``: the offline templates, or the configured model). A case
expecting ``ready`` passes when the draft came out ready and every grader in
:mod:`evals.graders.drafts` passes; a case expecting ``needs_review`` (a brief whose own data
would make the text promise, discount or leave a placeholder) passes only when the copywriter's
guard refused it, so no draft exists to be sent.

A case may also carry drafts approved before it (``approved_before``: other leads, with the text
an approver let leave, edits included); they are learned into a fresh example memory first, and
the case's draft must name none of those leads (``no_leakage``). A case with ``other_role`` (a
second person of the same company) passes only when the two drafts differ beyond the names
(``not_mail_merge``). The form graders (:mod:`evals.graders.draft_form`) check specificity,
grounding, Arabic form and the subject against the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field

from agents.copywriter import BriefSignal, Copywriter, LeadBrief
from agents.examples import CopyExamples
from agents.models import build_copywriter
from evals.graders.draft_form import form_checks
from evals.graders.drafts import DraftText, LeadFacts, grade_draft, load_draft_rules
from evals.models import CaseModel, CaseOutcome, CaseResult, Check
from evals.suites.base import Suite, Trial, pass_rate
from skills.targeting.segments import segment_of
from tools.canonical import canonical_json, sha256_hex
from tools.memory import ExampleMemory, HashingEmbedder, VectorStore
from tools.pii import PiiMasker


class ApprovedBefore(CaseModel):
    """A draft to another lead that an approver let leave before this case's draft is written."""

    id: str = "approved"
    lead: LeadFacts
    subject: str | None = Field(default=None, description="The approved subject; the copywriter's own when None.")
    body: str | None = Field(default=None, description="The approved body (edits included); the copywriter's own "
                             "when None.")


class DraftCase(CaseModel):
    lead: LeadFacts
    channel: Literal["email", "whatsapp"]
    language: Literal["ar", "en"] = "ar"
    other_names: tuple[str, ...] = Field(default=(), description="Other contacts of the same batch.")
    expect: Literal["ready", "needs_review"] = "ready"
    approved_before: tuple[ApprovedBefore, ...] = Field(default=(), description="Drafts to other leads approved "
                                                        "(and learned) before this one.")
    other_role: LeadFacts | None = Field(default=None, description="Another person of the same company: the two "
                                         "drafts must differ beyond the names.")


def _brief(lead_id: str, case: DraftCase, lead: LeadFacts) -> LeadBrief:
    points = tuple(v for v in (lead.phone, lead.email) if v)
    return LeadBrief(lead_id=lead_id, channel=case.channel, language=case.language, company_name=lead.company_name,
                     company_name_ar=lead.company_name_ar, contact_name=lead.contact_name,
                     contact_name_ar=lead.contact_name_ar, title=lead.title, city=lead.city, city_ar=lead.city_ar,
                     sector=lead.sector, contact_points=points,
                     signals=tuple(BriefSignal.model_validate(s.model_dump()) for s in lead.signals))


def _without_names(text: str, *leads: LeadFacts) -> str:
    for lead in leads:
        for value in (lead.contact_name, lead.contact_name_ar, lead.title):
            for word in value.replace("-", " ").split():
                text = text.replace(word, "")
    return " ".join(text.split())


def _learn_before(case: DraftCase, copywriter: Copywriter) -> None:
    for before in case.approved_before:
        brief = _brief(f"{case.id}:{before.id}", case, before.lead)
        own = copywriter.write(brief)
        copywriter.learn(brief, approval_id=f"apr_{case.id}_{before.id}", action="gmail.draft",
                         subject=before.subject if before.subject is not None else own.subject,
                         body=before.body if before.body is not None else own.body, original_body=own.body)


class DraftsSuite(Suite[DraftCase]):
    name: ClassVar[str] = "drafts"
    title: ClassVar[str] = "Draft quality"
    case_model = DraftCase
    dimensions = ("channel", "language", "expect", "check_failed")
    confusion_labels = ("ready", "needs_review")

    def run_case(self, case: DraftCase, trial: Trial) -> CaseOutcome:
        settings = trial.env.settings_for(trial.workdir)
        masker = PiiMasker(settings.signing_key())
        store = VectorStore(HashingEmbedder(), in_memory=True) if case.approved_before else None
        examples = (CopyExamples(memory=ExampleMemory(store), tenant="eval", masker=masker, segment_of=segment_of)
                    if store is not None else None)
        copywriter = build_copywriter(settings, masker, examples=examples)
        _learn_before(case, copywriter)
        draft = copywriter.write(_brief(case.id, case, case.lead), other_names=case.other_names)
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
            sender = copywriter.sender
            checks.extend(form_checks(text, case.lead, load_draft_rules(),
                                      other_leads=[b.lead for b in case.approved_before],
                                      sender_text=" ".join((sender.company, sender.offer_ar, sender.offer_en))))
            if case.other_role is not None:
                other = copywriter.write(_brief(f"{case.id}:other", case, case.other_role))
                same = (_without_names(other.body, case.lead, case.other_role)
                        == _without_names(draft.body, case.lead, case.other_role))
                checks.append(Check(name="not_mail_merge", passed=not same,
                                    detail="the other person's draft is the same text" if same
                                    else "the other person's draft differs"))
        elif case.expect == "needs_review":
            checks.append(Check(name="no_draft_text", passed=not draft.body, detail="empty" if not draft.body
                                else "a refused draft still carries text"))
        if store is not None:
            store.close()
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

