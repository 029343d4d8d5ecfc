"""The contradiction engine: each contradiction planted in the real stores (or, where the system has no
source yet, in the facts) is found with its evidence; a clean state has none."""

from __future__ import annotations

from datetime import date, timedelta

from governance_support import OTHER, TENANT, MovingClock, request_approval

from dealix.settings import Settings
from skills.cards.factory import CardFactory
from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.governance.contradictions import ContradictionEngine, detect
from skills.governance.facts import CardRec, ForecastRec, Snapshot, collect
from skills.governance.models import Contradiction
from skills.partners.factory import build_service as partner_service
from skills.partners.models import PartnerCandidate, PartnerType
from skills.partners.revenue import RevenueTracker
from tools.consent import ConsentRecord
from tools.gateway import Gateway
from tools.models import Channel, Role, ToolCall

INVOICE = {"seller_name": "مؤسسة ديليكس", "vat_number": "300000000000003", "buyer_name": "شركة النخبة",
           "items": [{"description": "اشتراك شهري", "quantity": 1, "unit_price": "1000"}]}


def engine(gateway: Gateway, settings: Settings, clock: MovingClock, tenant: str = TENANT) -> ContradictionEngine:
    return ContradictionEngine(tenant, gateway=gateway, settings=settings, clock=clock)


def kinds(found: list[Contradiction]) -> list[str]:
    return sorted(c.kind for c in found)


def consent(gateway: Gateway, clock: MovingClock, contact: str, status: str, tenant: str = TENANT) -> None:
    gateway.consent.record(ConsentRecord(tenant=tenant, contact_id=contact, channel=Channel.whatsapp,
                                         status=status, source="form-7", recorded_at=clock.now,
                                         address="+966501234567"))


def whatsapp_approval(gateway: Gateway, contact: str, thread: str, tenant: str = TENANT) -> str:
    return request_approval(gateway, tenant=tenant, action="whatsapp.send", contact_id=contact, thread_id=thread,
                            call_id=f"{thread}:{contact}",
                            args={"to": "+966501234567", "body": "السلام عليكم، نود تأكيد موعد الاجتماع."}
                            ).approval_id


def test_a_clean_state_has_no_contradiction(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    consent(gateway, clock, "lead_1", "opt_in")
    whatsapp_approval(gateway, "lead_1", "t1")
    request_approval(gateway, contact_id="lead_2")
    assert engine(gateway, settings, clock).find() == []
    assert engine(gateway, settings, clock).report(publish=True).cards_published == 0


def test_a_pending_action_to_a_contact_who_opted_out(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    consent(gateway, clock, "lead_1", "opt_in")
    approval_id = whatsapp_approval(gateway, "lead_1", "t1")
    clock.advance(minutes=5)
    consent(gateway, clock, "lead_1", "opt_out")
    found = engine(gateway, settings, clock).find()
    assert kinds(found) == ["opt_out_contact"]
    item = found[0]
    assert item.evidence["ref"] == approval_id and item.evidence["state"] == "pending"
    assert item.risk_level == "high" and item.resolution_ar and item.evidence["channel"] == "whatsapp"
    assert "lead_1" in item.evidence_ar
    # the other tenant's opt-out of the same contact id changes nothing here, and vice versa
    assert engine(gateway, settings, clock, OTHER).find() == []


def test_an_executed_action_after_an_opt_out_but_not_one_before(gateway: Gateway, settings: Settings,
                                                                 clock: MovingClock) -> None:
    gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="gmail.draft", contact_id="lead_9",
                            args={"to": "sara@example.sa", "subject": "موعد", "body": "السلام عليكم"},
                            thread_id="t9", tool_call_id="d1"))
    clock.advance(minutes=5)
    gateway.consent.record(ConsentRecord(tenant=TENANT, contact_id="lead_9", channel=Channel.email,
                                         status="opt_out", source="reply", recorded_at=clock.now))
    assert engine(gateway, settings, clock).find() == []  # drafted before the opt-out: history
    snap = collect(TENANT, gateway=gateway, settings=settings)
    assert [a.state for a in snap.contact_actions] == ["executed"] and snap.opt_outs
    later = [a.__class__(a.contact_id, a.channel, a.action, a.state, a.ref, clock.now + timedelta(minutes=1))
             for a in snap.contact_actions]
    snap.contact_actions = later
    assert kinds(detect(snap, policy=gateway.policy)) == ["opt_out_contact"]


def test_a_card_recommending_what_policy_blocks(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    snap = Snapshot(cards=[CardRec("card_aaaaaaaaaaaaaaaa", "تواصل عبر لينكدإن", "linkedin.dm", "approval_required"),
                           CardRec("card_bbbbbbbbbbbbbbbb", "بلاغ حظر", "gmail.send", "blocked"),
                           CardRec("card_cccccccccccccccc", "حدّث النظام", "crm.update", "approval_required")])
    found = detect(snap, policy=gateway.policy)
    assert [c.evidence["card_id"] for c in found] == ["card_aaaaaaaaaaaaaaaa"]  # a blocked-report card is fine
    assert found[0].kind == "policy_blocked_card"


def test_the_engine_reads_cards_from_the_store(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    factory = CardFactory(TENANT, policy=gateway.policy, clock=clock)
    card = factory.domain_card(CardType.daily_decision, ref="plan-1", title_ar="خطة اليوم",
                               why_now_ar="بداية الأسبوع", recommended_action_ar="اعتمد الخطة")
    CardService(TENANT, gateway=gateway, clock=clock).publish([card])
    recs = collect(TENANT, gateway=gateway, settings=settings).cards
    assert [r.card_id for r in recs] == [card.card_id]
    blocked = [r.__class__(r.card_id, r.title_ar, "linkedin.auto_dm", r.action_mode) for r in recs]
    assert kinds(detect(Snapshot(cards=blocked), policy=gateway.policy)) == ["policy_blocked_card"]


def test_a_lead_in_two_active_threads(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    first = request_approval(gateway, contact_id="lead_5", thread_id="autopilot-1", call_id="a")
    second = request_approval(gateway, contact_id="lead_5", thread_id="negotiation-7", call_id="b")
    request_approval(gateway, contact_id="lead_6", thread_id="autopilot-1", call_id="c")
    found = engine(gateway, settings, clock).find()
    assert kinds(found) == ["lead_in_two_threads"]
    assert found[0].evidence["contact_id"] == "lead_5"
    assert set(found[0].evidence["approvals"].split(", ")) == {first.approval_id, second.approval_id}


def _partners(settings: Settings, gateway: Gateway, clock: MovingClock, *, competitor: bool) -> RevenueTracker:
    service = partner_service(settings, tenant=TENANT, gateway=gateway)
    service.repository.replace_candidates(TENANT, [PartnerCandidate(
        partner_id="P-1", name="وكالة المدى", type=PartnerType.marketing_agency, declared_competitor=competitor)],
        at=clock.now)
    return RevenueTracker(service.repository, tenant=TENANT)


def test_a_won_deal_without_an_invoice_draft(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    tracker = _partners(settings, gateway, clock, competitor=False)
    won = tracker.add_referral("P-1", "شركة الأفق", date(2026, 11, 1))
    tracker.record_deal(won.referral_id, "12000", date(2026, 11, 10))
    invoiced = tracker.add_referral("P-1", "شركة النخبة", date(2026, 11, 2))
    tracker.record_deal(invoiced.referral_id, "5000", date(2026, 11, 11))
    result = gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="moyasar.invoice_draft",
                                     args=INVOICE, thread_id="inv", tool_call_id="i1"))
    assert result.execution is not None and result.execution.status == "executed"
    found = engine(gateway, settings, clock).find()
    assert kinds(found) == ["won_without_invoice"]
    assert found[0].evidence == {"deal": won.referral_id, "company_name": "شركة الأفق"}


def test_a_partner_who_is_also_a_competitor(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    tracker = _partners(settings, gateway, clock, competitor=True)
    assert engine(gateway, settings, clock).find() == []  # a competitor we have no dealings with is no contradiction
    tracker.add_referral("P-1", "شركة الأفق", date(2026, 11, 1))
    found = engine(gateway, settings, clock).find()
    assert kinds(found) == ["partner_is_competitor"] and found[0].evidence["partner_id"] == "P-1"


def test_a_forecast_that_disagrees_with_the_ledger_beyond_the_threshold(gateway: Gateway) -> None:
    snap = Snapshot(forecasts=[ForecastRec("2026-W47", 100_000, 60_000),   # 40 % apart, 40k: found
                               ForecastRec("2026-W46", 100_000, 80_000),   # 20 %: within the threshold
                               ForecastRec("2026-W45", 20_000, 12_000)])   # 40 % but only 8k: too small
    found = detect(snap, policy=gateway.policy)
    assert [c.evidence["period"] for c in found] == ["2026-W47"]
    assert "40,000" in found[0].evidence_ar


def test_a_skill_calling_an_action_outside_its_list(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    for n in range(2):
        result = gateway.decide(ToolCall(tenant=TENANT, skill="proof_pack_builder", action="crm.update",
                                         args={"record_id": "x"}, thread_id="t", tool_call_id=f"x{n}"))
        assert result.decision.reason_code == "skill_not_allowed"
    found = engine(gateway, settings, clock).find()
    assert kinds(found) == ["skill_out_of_scope"]
    assert (found[0].evidence["skill"], found[0].evidence["action"], found[0].evidence["count"]) == (
        "proof_pack_builder", "crm.update", "2")
    assert engine(gateway, settings, clock, OTHER).find() == []


def test_contradictions_become_risk_cards_for_the_ceo_once(gateway: Gateway, settings: Settings,
                                                           clock: MovingClock) -> None:
    request_approval(gateway, contact_id="lead_5", thread_id="a", call_id="a")
    request_approval(gateway, contact_id="lead_5", thread_id="b", call_id="b")
    eng = engine(gateway, settings, clock)
    assert eng.report(publish=True).cards_published == 1
    assert eng.report(publish=True).cards_published == 0
    feed = CardService(TENANT, gateway=gateway, clock=clock).feed(Role.ceo)
    risk = [i.card for i in feed.items if i.card.dedupe_key.startswith("contradiction:")]
    assert len(risk) == 1 and risk[0].type == CardType.risk and risk[0].action_mode.value == "suggest_only"
