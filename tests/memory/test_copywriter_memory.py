"""The copywriter's self-improving loop: approved drafts become examples for the next leads."""

from __future__ import annotations

from pathlib import Path

import pytest
from memory_support import StepClock
from pydantic_ai import models
from qdrant_client import QdrantClient

from agents.copywriter import Copywriter, LeadBrief
from agents.examples import CopyExamples
from agents.models import build_copywriter
from dealix.settings import Settings
from skills.targeting.segments import segment_of
from tools.memory import ExampleMemory, HashingEmbedder, VectorStore
from tools.pii import PiiMasker

models.ALLOW_MODEL_REQUESTS = False
MASKER = PiiMasker(b"k" * 32)

FIRST = LeadBrief(lead_id="ld_first", channel="email", language="ar", company_name="شركة الرمال العقارية",
                  contact_name="فهد الدوسري", title="المدير التنفيذي", city="الرياض", sector="عقار",
                  contact_points=("fahad@rimal.example.sa",))
SECOND = LeadBrief(lead_id="ld_second", channel="email", language="ar", company_name="دار الأفق للعقارات",
                   contact_name="نورة الشهري", title="المديرة التنفيذية", city="جدة", sector="العقار",
                   contact_points=("noura@ofoq.example.sa",))
EDITED_BODY = ("السلام عليكم فهد الدوسري،\n\nلاحظنا نشاط شركة الرمال العقارية في الرياض، ونساعد فرق مبيعات العقار "
               "على متابعة المهتمين بالوحدات دون أن يضيع أي طلب.\n\nهل يناسبكم اتصال قصير هذا الأسبوع؟\n\n"
               "مع خالص التحية،\nفريق Dealix")


def _writer(store: VectorStore, tenant: str = "t-a") -> Copywriter:
    examples = CopyExamples(memory=ExampleMemory(store, clock=StepClock()), tenant=tenant, masker=MASKER,
                            segment_of=segment_of)
    return build_copywriter(Settings(), MASKER, examples=examples)


def _learn_first(writer: Copywriter, body: str = EDITED_BODY, approval_id: str = "apr_first") -> bool:
    original = build_copywriter(Settings(), MASKER).write(FIRST)
    return writer.learn(FIRST, approval_id=approval_id, action="gmail.draft", subject="فكرة لشركة الرمال العقارية",
                        body=body, original_body=original.body)


def test_an_approved_edit_is_kept_as_a_template_without_the_leads_facts(store: VectorStore) -> None:
    writer = _writer(store)
    assert _learn_first(writer)
    [kept] = ExampleMemory(store).for_contact("t-a", "ld_first")
    assert kept.approval_id == "apr_first" and kept.edited and kept.segment == "real_estate"
    assert "⟦greeting_name⟧" in kept.body and "⟦company_name⟧" in kept.body and "⟦city⟧" in kept.body
    for fact in ("فهد", "الرمال", "الرياض", "fahad@"):
        assert fact not in kept.body and fact not in (kept.subject or "")
    assert kept.profile == "المدير التنفيذي | عقار | الرياض"  # who it was for: title, sector, city; no name
    assert kept.original_body is not None and kept.original_body != kept.body


def test_the_next_lead_of_the_segment_is_written_from_the_approved_example(store: VectorStore) -> None:
    writer = _writer(store)
    _learn_first(writer)
    draft = writer.write(SECOND)
    assert draft.status == "ready"
    assert draft.examples == ("apr_first",) and draft.based_on == "apr_first"
    assert "دار الأفق للعقارات" in draft.body and "نورة الشهري" in draft.body and "جدة" in draft.body
    assert "لاحظنا نشاط" in draft.body  # the approver's wording, not the vetted template's
    for leaked in ("فهد", "الرمال", "الرياض"):
        assert leaked not in draft.body and leaked not in (draft.subject or "")


def test_another_tenant_gets_the_vetted_template(store: VectorStore) -> None:
    _learn_first(_writer(store))
    other = _writer(store, tenant="t-b").write(SECOND)
    vetted = build_copywriter(Settings(), MASKER).write(SECOND)
    assert other.examples == () and other.based_on is None
    assert other.body == vetted.body


def test_another_channel_or_segment_gets_the_vetted_template(store: VectorStore) -> None:
    writer = _writer(store)
    _learn_first(writer)
    whatsapp = writer.write(SECOND.model_copy(update={"channel": "whatsapp"}))
    tech = writer.write(SECOND.model_copy(update={"sector": "تقنية المعلومات"}))
    assert whatsapp.based_on is None and tech.based_on is None and tech.examples == ()


@pytest.mark.parametrize("extra", ["اتصلوا بي على 0551234567", "راسلوني على sales@rimal.example.sa"])
def test_an_approved_text_with_contact_details_is_not_kept(store: VectorStore, extra: str) -> None:
    writer = _writer(store)
    assert not _learn_first(writer, body=EDITED_BODY + "\n" + extra)
    assert ExampleMemory(store).for_contact("t-a", "ld_first") == []


def test_an_example_the_guard_rejects_falls_back_to_the_vetted_template(store: VectorStore) -> None:
    writer = _writer(store)
    bad = EDITED_BODY.replace("هل يناسبكم", "نضمن لكم زيادة المبيعات 100%. هل يناسبكم")
    assert _learn_first(writer, body=bad)
    draft = writer.write(SECOND)
    assert draft.status == "ready" and draft.based_on is None and draft.examples == ("apr_first",)
    assert draft.body == build_copywriter(Settings(), MASKER).write(SECOND).body
    assert "نضمن" not in draft.body


def test_hostile_slot_text_is_never_executed_as_a_template(store: VectorStore) -> None:
    writer = _writer(store)
    assert _learn_first(writer, body=EDITED_BODY + "\n{{ 7*7 }} {% for x in range(3) %}x{% endfor %}")
    draft = writer.write(SECOND)
    assert "49" not in draft.body


def test_memory_that_cannot_be_opened_never_stops_a_draft(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    holder = QdrantClient(path=str(path))
    try:
        store = VectorStore(HashingEmbedder(), path=path, lock_wait_seconds=0.1)
        writer = _writer(store)
        draft = writer.write(SECOND)
        assert draft.status == "ready" and draft.examples == ()
        assert not _learn_first(writer)
    finally:
        holder.close()


def test_the_openai_path_sees_the_examples_in_its_brief(store: VectorStore) -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    seen: list[str] = []

    def remote(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(str(messages[-1].parts[-1].content))  # type: ignore[union-attr]
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {
            "subject": "فكرة قصيرة", "body": "السلام عليكم نورة الشهري، هل يناسبكم اتصال قصير؟ فريق Dealix"})])

    writer = _writer(store)
    _learn_first(writer)
    online = Copywriter(model=FunctionModel(remote), model_label="stub", offline=False, masker=MASKER,
                        examples=writer.examples)
    draft = online.write(SECOND)
    assert "<approved_examples>" in seen[0] and "apr_first" in seen[0] and "فهد" not in seen[0]
    assert draft.examples == ("apr_first",) and draft.based_on is None
