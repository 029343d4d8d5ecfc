"""The response rules: no guarantee, no discount first, scope and pilot before price, proof, a dated next step."""

from __future__ import annotations

import itertools

import pytest
from negotiation_support import EMAIL_DEAL, GOOD_SECTIONS, MASKER, WHATSAPP_DEAL

from agents.copywriter import SenderProfile
from skills.negotiation.coach import NegotiationCoach
from skills.negotiation.compose import render_reply, reply_facts
from skills.negotiation.models import DealContext, ObjectionClass, ReplySections
from skills.negotiation.rules import check_reply, check_rules

DATE = "الأحد 22 نوفمبر"
CLASSES = list(ObjectionClass)
SAMPLE = {
    ObjectionClass.price: "غالي شوي", ObjectionClass.timing: "مو وقته الحين", ObjectionClass.trust: "ما نعرفكم",
    ObjectionClass.already_have_agency: "عندنا وكالة", ObjectionClass.need_team_approval: "لازم أرجع للإدارة",
    ObjectionClass.not_priority: "مو أولوية عندنا", ObjectionClass.send_details: "أرسل لي التفاصيل",
    ObjectionClass.want_guarantee: "تضمنون النتائج؟", ObjectionClass.unknown: "السلام عليكم",
}


def _sections(**changes: str) -> ReplySections:
    base = GOOD_SECTIONS.model_copy(update={"next_step": GOOD_SECTIONS.next_step.format(date=DATE)})
    return base.model_copy(update=changes)


def _failed(sections: ReplySections, *, channel: str = "whatsapp") -> set[str]:
    deal = WHATSAPP_DEAL if channel == "whatsapp" else EMAIL_DEAL
    subject, body = render_reply(sections, channel=deal.channel, language="ar", deal=deal, sender=SenderProfile())
    check = check_reply(sections, body=body, subject=subject, proposed_date=DATE, channel=deal.channel,
                        language="ar", facts=reply_facts(deal, SenderProfile(), DATE), masker=MASKER)
    return {r.code for r in check.rules if not r.ok} | {p.code for p in check.guard.problems}


@pytest.mark.parametrize(("label", "language", "deal"), list(itertools.product(
    CLASSES, ["ar", "en"], [WHATSAPP_DEAL, EMAIL_DEAL])))
def test_every_offline_reply_obeys_every_rule_and_the_guard(offline_coach: NegotiationCoach, label: ObjectionClass,
                                                             language: str, deal: DealContext) -> None:
    deal = deal.model_copy(update={"language": language})
    result = offline_coach.respond(SAMPLE[label], deal)
    reply = result.reply
    assert result.classification.label is label
    assert reply.status == "ready" and reply.check.ok, reply.check.problems()
    clarify = {"one_question"} if label is ObjectionClass.unknown else set()
    assert {r.code for r in reply.check.rules} == {"no_guarantee", "no_discount_first", "scope_before_price",
                                                    "pilot_first", "price_linked_to_proof", "next_step"} | clarify
    assert (reply.subject is not None) == (deal.channel == "email")
    assert reply.sections is not None
    body = reply.body
    # Order in the message: scope question, then the pilot, then the proof, then the dated next step.
    parts = [reply.sections.scope_question, reply.sections.pilot_offer, reply.sections.proof_link,
             reply.sections.next_step]
    positions = [body.index(part) for part in parts if part]  # a clarifying reply leaves pilot and proof out
    assert positions == sorted(positions)


def test_the_next_step_names_the_first_business_day_after_a_thursday(offline_coach: NegotiationCoach) -> None:
    reply = offline_coach.respond("غالي شوي", WHATSAPP_DEAL).reply
    assert reply.sections is not None and "الأحد 22 نوفمبر" in reply.sections.next_step
    english = offline_coach.respond("Too expensive", WHATSAPP_DEAL.model_copy(update={"language": "en"})).reply
    assert english.sections is not None and "Sunday 22 November" in english.sections.next_step


def test_well_formed_sections_pass() -> None:
    assert _failed(_sections()) == set()


@pytest.mark.parametrize(("changes", "expected"), [
    ({"acknowledge": "نضمن لكم مضاعفة المبيعات خلال شهر."}, {"no_guarantee", "guarantee_claim"}),
    ({"pilot_offer": "نعدكم بنتائج سريعة مع تجربة محدودة."}, {"no_guarantee"}),
    ({"acknowledge": "We promise you results within a month."}, {"no_guarantee"}),
    ({"acknowledge": "نقدم لكم خصم خاص إذا وقعتم اليوم."},
     {"no_discount_first", "discount_first", "scope_before_price", "pilot_first", "price_linked_to_proof"}),
    ({"pilot_offer": "نقترح تجربة محدودة مجاناً."}, {"no_discount_first"}),
    ({"pilot_offer": "نقترح تجربة محدودة، ويمكن أن نخفض لكم السعر بعدها."},
     {"no_discount_first", "pilot_first", "price_linked_to_proof"}),
    ({"acknowledge": "السعر مناسب جداً مقارنة بالسوق."}, {"scope_before_price", "pilot_first",
                                                          "price_linked_to_proof"}),
    ({"scope_question": "نبدأ بتحديد النطاق."}, {"scope_before_price"}),
    ({"pilot_offer": "نقترح أن نبدأ بالعمل مباشرة."}, {"pilot_first"}),
    ({"proof_link": "ونرسل لكم التسعير النهائي بعد الاجتماع."}, {"price_linked_to_proof"}),
    ({"next_step": "ننتظر ردكم."}, {"next_step"}),
    ({"next_step": "هل يناسبكم اتصال قصير الأسبوع القادم؟"}, {"next_step"}),
    ({"proof_link": "نتفق على مؤشرات نقيسها، وتفاصيل أكثر على www.example.com"}, {"unsupported_fact"}),
])
def test_each_broken_rule_is_caught(changes: dict[str, str], expected: set[str]) -> None:
    assert _failed(_sections(**changes)) == expected


def test_rules_without_the_guard_need_the_exact_proposed_date() -> None:
    sections = _sections()
    codes = {c.code: c.ok for c in check_rules(sections, "\n".join(sections.model_dump().values()),
                                                proposed_date="الاثنين 23 نوفمبر")}
    assert codes["next_step"] is False
    assert all(ok for code, ok in codes.items() if code != "next_step")
