"""Approved-draft memory: the closest example of the same tenant, segment, channel and language."""

from __future__ import annotations

import pytest
from memory_support import example

from skills.targeting.segments import segment_of
from tools.memory import ExampleMemory, LeadMemory, LeadProfile, ProofDoc, ProofMemory, VectorStore
from tools.pii import PiiMasker


@pytest.fixture
def memory(store: VectorStore) -> ExampleMemory:
    examples = ExampleMemory(store)
    for item in (
        example("apr_cfo", "نص مخصص للمدير المالي ⟦company_name⟧", profile="المدير المالي | العقار | جدة"),
        example("apr_ceo", "نص مخصص للرئيس التنفيذي ⟦company_name⟧", profile="الرئيس التنفيذي | العقار | الرياض"),
        example("apr_mkt", "نص مخصص لمسؤول التسويق ⟦company_name⟧", profile="مسؤول التسويق | العقار | الدمام"),
        example("apr_en_cfo", "Note for the finance lead at ⟦company_name⟧", language="en",
                profile="Chief Financial Officer | real estate | Jeddah"),
        example("apr_en_ceo", "Note for the chief executive of ⟦company_name⟧", language="en",
                profile="CEO | real estate | Riyadh"),
    ):
        examples.remember(item)
    return examples


def test_arabic_retrieval_finds_the_example_for_the_same_kind_of_recipient(memory: ExampleMemory) -> None:
    # Spelled differently from the stored profile: feminine title, diacritics, haa for taa marbuta.
    hits = memory.closest(tenant="t-a", segment="real_estate", channel="email", language="ar",
                          query="المديرة الماليّة | عقارات | جدّه")
    assert hits[0].example.approval_id == "apr_cfo"
    assert hits[0].score > hits[1].score
    hits = memory.closest(tenant="t-a", segment="real_estate", channel="email", language="ar",
                          query="الرئيس التنفيذى | الرياض")
    assert hits[0].example.approval_id == "apr_ceo"


def test_english_retrieval_finds_the_example_and_never_an_arabic_one(memory: ExampleMemory) -> None:
    hits = memory.closest(tenant="t-a", segment="real_estate", channel="email", language="en",
                          query="financial officer, Jeddah")
    assert [h.example.approval_id for h in hits][:1] == ["apr_en_cfo"]
    assert {h.example.language for h in hits} == {"en"}


def test_each_example_carries_its_approval_id_and_template(memory: ExampleMemory) -> None:
    hit = memory.closest(tenant="t-a", segment="real_estate", channel="email", language="ar", query="جدة")[0]
    assert hit.example.approval_id.startswith("apr_")
    assert "⟦company_name⟧" in hit.example.body


def test_tenant_b_never_sees_tenant_a_examples_even_with_the_exact_profile(memory: ExampleMemory) -> None:
    assert memory.closest(tenant="t-b", segment="real_estate", channel="email", language="ar",
                          query="المدير المالي | العقار | جدة") == []
    memory.remember(example("apr_b", "نص المستأجر الثاني", tenant="t-b", profile="المدير المالي | العقار | جدة"))
    hits = memory.closest(tenant="t-b", segment="real_estate", channel="email", language="ar",
                          query="المدير المالي | العقار | جدة")
    assert [h.example.approval_id for h in hits] == ["apr_b"]
    assert all(h.example.tenant == "t-b" for h in hits)


@pytest.mark.parametrize(("segment", "channel"), [("technology", "email"), ("real_estate", "whatsapp")])
def test_another_segment_or_channel_gets_nothing(memory: ExampleMemory, segment: str, channel: str) -> None:
    assert memory.closest(tenant="t-a", segment=segment, channel=channel, language="ar", query="المدير المالي") == []


def test_on_equal_scores_an_edited_example_wins_then_the_newest(store: VectorStore) -> None:
    memory = ExampleMemory(store)
    memory.remember(example("apr_old", "نص", profile="مدير المبيعات", minutes=1))
    memory.remember(example("apr_new", "نص", profile="مدير المبيعات", minutes=5))
    memory.remember(example("apr_edit", "نص", profile="مدير المبيعات", edited=True, minutes=2))
    hits = memory.closest(tenant="t-a", segment="real_estate", channel="email", language="ar", query="مدير المبيعات")
    assert [h.example.approval_id for h in hits] == ["apr_edit", "apr_new", "apr_old"]


def test_forget_contact_removes_only_that_contacts_examples(memory: ExampleMemory) -> None:
    assert [e.approval_id for e in memory.for_contact("t-a", "lead-apr_cfo")] == ["apr_cfo"]
    assert memory.forget_contact("t-a", "lead-apr_cfo") == 1
    assert memory.for_contact("t-a", "lead-apr_cfo") == []
    assert memory.for_contact("t-a", "lead-apr_ceo")


@pytest.mark.parametrize(("texts", "expected"), [
    (("شركة عقارية",), "real_estate"),
    (("Real Estate",), "real_estate"),
    (("", "مؤسسة الأفق للمقاولات"), "construction"),
    (("",), "general"),
])
def test_segment_is_the_targeting_sector_in_either_language(texts: tuple[str, ...], expected: str) -> None:
    assert segment_of(*texts) == expected


def test_similar_leads_are_per_tenant_and_keep_no_contact_details(store: VectorStore) -> None:
    leads = LeadMemory(store)
    leads.index("t-a", [LeadProfile(lead_id="l1", company_name="شركة الرياض العقارية", sector="عقار", city="الرياض",
                                    segment="real_estate"),
                        LeadProfile(lead_id="l2", company_name="مصنع جدة للبلاستيك", sector="صناعة", city="جدة")])
    leads.index("t-b", [LeadProfile(lead_id="l9", company_name="شركة الرياض العقارية", sector="عقار", city="الرياض",
                                    segment="real_estate")])
    found = leads.similar("t-a", "شركة عقارات في الرياض", limit=1)
    assert [(s.lead_id, s.segment) for s in found] == [("l1", "real_estate")]
    assert leads.similar("t-a", "شركة عقارات في الرياض", exclude="l1", limit=1)[0].lead_id == "l2"
    assert {s.lead_id for s in leads.similar("t-b", "عقار", limit=5)} == {"l9"}


def test_proof_search_masks_personal_data_before_keeping_it(store: VectorStore) -> None:
    proof = ProofMemory(store, PiiMasker(b"k" * 32))
    proof.index("t-a", [ProofDoc(doc_id="pp1", kind="proof_pack", title="حزمة إثبات نوفمبر",
                                 text="تواصلنا مع 0551234567 و sara@example.sa وأُغلقت صفقة التوريد", contact_id="c1"),
                        ProofDoc(doc_id="pp2", kind="proof_pack", text="مسودات التدريب للمدارس")])
    hit = proof.search("t-a", "صفقة التوريد")[0]
    assert hit.doc_id == "pp1"
    assert "0551234567" not in hit.text and "sara@example.sa" not in hit.text and "[PHONE:" in hit.text
    assert proof.search("t-b", "صفقة التوريد") == []
    assert proof.forget_contact("t-a", "c1") == 1
    assert [h.doc_id for h in proof.search("t-a", "صفقة التوريد", limit=5)] == ["pp2"]
