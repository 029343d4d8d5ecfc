"""The output guard on hostile drafts, and the prompt templates as versioned files."""

from __future__ import annotations

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents.copywriter import Copywriter, LeadBrief
from agents.guard import DraftFacts, check_text
from prompts import PromptError, get_prompt, load_prompts
from tools.pii import PiiMasker

MASKER = PiiMasker(b"test-key")
FACTS = DraftFacts(
    allowed_values=("شركة النخبة", "سارة القحطاني", "الرياض", "+966501234567", "sara@nokhba.sa", "Dealix"),
    own_contacts=("+966501234567", "sara@nokhba.sa"),
    other_names=("خالد العتيبي",),
    other_contacts=("+966559876543", "khaled@ofuq.sa"),
)
CLEAN = "السلام عليكم سارة القحطاني، نود التعرف على أولويات شركة النخبة في الرياض. هل يناسبكم اتصال قصير؟"


def _codes(body: str, *, subject: str | None = None, channel="whatsapp", language="ar") -> set[str]:
    report = check_text(body=body, subject=subject, channel=channel, language=language, facts=FACTS, masker=MASKER)
    return {p.code for p in report.problems}


def test_a_clean_arabic_draft_passes():
    assert _codes(CLEAN) == set()


@pytest.mark.parametrize(("text", "code"), [
    ("السلام عليكم، نضمن لك زيادة مبيعاتك هذا الربع.", "guarantee_claim"),
    ("السلام عليكم، ضمان النتائج أو استرداد المبلغ.", "guarantee_claim"),
    ("السلام عليكم، we offer guaranteed results.", "guarantee_claim"),
    ("السلام عليكم، خصم 30% إذا وقعت اليوم.", "discount_first"),
    ("السلام عليكم {{name}}، كيف حالكم؟", "placeholder"),
    ("السلام عليكم [الاسم]، كيف حالكم؟", "placeholder"),
    ("السلام عليكم، تواصلوا مع خالد العتيبي مباشرة.", "other_pii"),
    ("السلام عليكم، رقم زميلكم 0559876543 للتنسيق.", "other_pii"),
    ("السلام عليكم، رقم زميلكم +966 55 987 6543 للتنسيق.", "other_pii"),
    ("السلام عليكم، راسلوا khaled@ofuq.sa للتفاصيل.", "other_pii"),
    ("السلام عليكم، رقم الهوية 1012345678 لديكم.", "other_pii"),
    ("السلام عليكم، ساعدنا 250 عميلاً في الرياض.", "unsupported_fact"),
    ("السلام عليكم، زوروا https://example.com/offer", "unsupported_fact"),
    ("Hello Sara, a short idea for your team.", "arabic_missing"),
    ("السلام عليكم " + "نص " * 400, "too_long"),
])
def test_hostile_drafts_fail_the_guard(text, code):
    assert code in _codes(text)


def test_the_subject_is_checked_too():
    assert "guarantee_claim" in _codes(CLEAN, subject="نتائج مضمونة لشركتكم", channel="email")


def test_english_is_allowed_when_english_was_asked():
    assert _codes("Hello Sara, would a short call suit Dealix and you?", language="en") == set()


def test_every_template_renders_with_its_declared_variables():
    templates = load_prompts()
    expected = {"copywriter.instructions", "copywriter.brief", "outreach.email.ar", "outreach.whatsapp.ar"}
    assert expected <= set(templates)
    for template in templates.values():
        text = template.render(**template.meta.example)
        assert text and "{{" not in text and "{%" not in text
        assert template.version >= 1 and len(template.ref.sha256) == 64


def test_every_message_template_passes_the_guard_with_its_example():
    for template in load_prompts().values():
        if template.meta.kind != "message":
            continue
        example = template.meta.example
        facts = DraftFacts(allowed_values=tuple(str(v) for v in example.values() if v))
        report = check_text(body=template.render(**example), subject=template.render_subject(**example),
                            channel=template.meta.channel, language=template.meta.language, facts=facts, masker=MASKER)
        assert report.ok, (template.id, report.summary())


def test_a_template_refuses_missing_or_undeclared_variables():
    template = get_prompt("outreach.email.ar")
    with pytest.raises(PromptError):
        template.render(company_name="x")
    with pytest.raises(PromptError):
        template.render(**template.meta.example, extra="x")


def _brief() -> LeadBrief:
    return LeadBrief(lead_id="lead_1", channel="whatsapp", language="ar", company_name="شركة النخبة",
                     contact_name="سارة القحطاني", city="الرياض", contact_points=("+966501234567",))


def test_an_offline_draft_records_the_template_id_and_version():
    from agents.models import build_copywriter
    from dealix.settings import Settings

    draft = build_copywriter(Settings(), MASKER).write(_brief())

    assert draft.status == "ready" and draft.model_requests == 1
    assert (draft.prompt.id, draft.prompt.version) == ("outreach.whatsapp.ar", 2)
    assert "إيقاف" in draft.body


def test_a_draft_that_keeps_failing_the_guard_goes_to_review():
    calls: list[int] = []

    def stubborn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"body": "نضمن لك نتائج مضمونة 100%"})])

    writer = Copywriter(model=FunctionModel(stubborn), model_label="stub", offline=False, masker=MASKER)
    draft = writer.write(_brief())

    assert draft.status == "needs_review"
    assert not draft.guard.ok and "guarantee_claim" in {p.code for p in draft.guard.problems}
    assert len(calls) == 3  # the first answer and two retries


def test_a_failing_draft_is_never_executed(make_ctx, checkpointer, leads_file, settings):
    from dataclasses import replace

    from runtime_support import outbox_files

    from graphs.runtime import start_autopilot

    def stubborn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"body": "خصم 50% إذا وقعت اليوم"})])

    ctx = make_ctx()
    ctx = replace(ctx, copywriter=Copywriter(model=FunctionModel(stubborn), model_label="stub", offline=False,
                                             masker=MASKER))
    result = start_autopilot(ctx, checkpointer, leads_file, top_n=2)

    assert result.pending == []
    assert {o.status for o in result.outcomes} == {"needs_review"}
    assert outbox_files(settings) == []
