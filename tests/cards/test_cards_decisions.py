"""The decision handler: a press resumes the right work as the caller, once, with audit and proof."""

from __future__ import annotations

import threading
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from cards_support import OTHER, TENANT, blocked_attempt, clock, count_events, pending_whatsapp, write_leads

from dealix.settings import Settings
from graphs.cards import build_card_service, build_decider
from graphs.checkpoint import open_checkpointer
from graphs.runtime import StartResult, build_context, start_autopilot
from skills.cards.decisions import CardDecider, CardDecisionRequest
from skills.cards.errors import ButtonNotOnCard, EditNeedsArgs
from skills.cards.models import Card, CardStatus, CardType
from skills.cards.service import CardService
from skills.cards.texts import CardTexts
from skills.targeting.factory import demo_service
from tools.errors import NotFound, RoleNotAllowed
from tools.gateway import Gateway
from tools.models import Caller, Role, RWUType, ToolCall
from tools.rwu import list_rwus

SALES = Caller(user_id="u-sales", tenant=TENANT, role=Role.sales_manager)
GROWTH_SELF = Caller(user_id="u-self", tenant=TENANT, role=Role.self_growth)
PRESS_APPROVE = CardDecisionRequest(button_id="approve")


@pytest.fixture
def run(settings: Settings, gateway: Gateway, tmp_path: Path) -> StartResult:
    """An autopilot thread over three leads: three email drafts waiting for approval."""
    ctx = build_context(settings, TENANT, gateway=gateway)
    with open_checkpointer(settings) as checkpointer:
        result = start_autopilot(ctx, checkpointer, write_leads(tmp_path / "leads.csv"), 3)
    assert len(result.pending) == 3
    return result


@pytest.fixture
def service(settings: Settings, gateway: Gateway) -> CardService:
    """Wired as the API and the CLI wire it (companies read from the autopilot thread)."""
    return build_card_service(settings, TENANT, gateway=gateway, clock=clock)


@pytest.fixture
def decider(settings: Settings, service: CardService) -> CardDecider:
    return build_decider(settings, service)


def _approval_cards(service: CardService) -> list[Card]:
    service.sync()
    return [c for c in service.store.cards(TENANT) if c.type == CardType.approval]


def _outbox(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.outbox_dir.glob("*") if p.is_file())


def test_approve_resumes_the_thread_and_runs_the_draft_once(run: StartResult, service: CardService,
                                                            decider: CardDecider, gateway: Gateway,
                                                            settings: Settings) -> None:
    card = _approval_cards(service)[0]
    assert card.context.thread_id == run.thread_id and card.context.company_name
    result = decider.decide(card.card_id, SALES, PRESS_APPROVE)
    assert result.status == CardStatus.approved and not result.already_decided
    assert result.resume is not None and result.resume.ledger_id is not None
    assert result.resume.execution_status == "executed" and len(_outbox(settings)) == 1
    approval = gateway.get_approval(card.context.approval_id or "", TENANT)
    assert approval.status == "consumed"
    with gateway.store.read() as conn:
        row = conn.execute("SELECT decided_by, decided_role FROM approvals WHERE approval_id = ?",
                           (approval.approval_id,)).fetchone()
    assert (row["decided_by"], row["decided_role"]) == ("u-sales", "sales_manager")  # the caller approved
    assert len(result.resume.pending) == 2  # the thread's other targets still wait


def test_a_decision_is_audited_and_its_proof_recorded_exactly_once(run: StartResult, service: CardService,
                                                                   decider: CardDecider, gateway: Gateway) -> None:
    card = _approval_cards(service)[0]
    result = decider.decide(card.card_id, SALES, PRESS_APPROVE)
    events = [e for e in gateway.audit.events(tenant=TENANT, limit=1000) if e.kind == "card_decided"]
    assert [e.event_id for e in events] == [result.audit_event]
    assert events[0].actor == "u-sales" and events[0].payload["card_id"] == card.card_id
    units = [u for u in list_rwus(gateway.store, tenant=TENANT)
             if u.type == RWUType.approval_collected and u.ref == card.context.approval_id]
    assert len(units) == 1 and result.proof == RWUType.approval_collected  # the gateway's, not a second one
    assert gateway.audit.verify().ok


def test_a_second_press_executes_nothing_again(run: StartResult, service: CardService, decider: CardDecider,
                                               gateway: Gateway, settings: Settings) -> None:
    card = _approval_cards(service)[0]
    decider.decide(card.card_id, SALES, PRESS_APPROVE)
    again = decider.decide(card.card_id, SALES, PRESS_APPROVE)
    reject = decider.decide(card.card_id, SALES, CardDecisionRequest(button_id="reject"))
    assert again.already_decided and reject.already_decided and reject.status == CardStatus.approved
    assert count_events(gateway, "executed") == 1 and len(_outbox(settings)) == 1
    assert count_events(gateway, "card_decided") == 1


def test_concurrent_presses_execute_once(run: StartResult, service: CardService, decider: CardDecider,
                                         gateway: Gateway, settings: Settings) -> None:
    card = _approval_cards(service)[0]
    results = []
    errors: list[BaseException] = []

    def press() -> None:
        try:
            results.append(decider.decide(card.card_id, SALES, PRESS_APPROVE))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert count_events(gateway, "executed") == 1 and len(_outbox(settings)) == 1
    assert sum(not r.already_decided for r in results) >= 1


def test_a_role_that_may_not_approve_is_refused_and_the_refusal_audited(run: StartResult, service: CardService,
                                                                        decider: CardDecider,
                                                                        gateway: Gateway) -> None:
    card = _approval_cards(service)[0]
    with pytest.raises(RoleNotAllowed):
        decider.decide(card.card_id, GROWTH_SELF, PRESS_APPROVE)
    assert gateway.get_approval(card.context.approval_id or "", TENANT).status == "pending"
    refused = [e for e in gateway.audit.events(tenant=TENANT, limit=1000) if e.kind == "card_decision_refused"]
    assert len(refused) == 1 and refused[0].actor == "u-self" and refused[0].payload["role"] == "self_growth"
    assert service.card(card.card_id).is_open


def test_another_tenants_card_does_not_exist(run: StartResult, service: CardService, settings: Settings,
                                             gateway: Gateway, texts: CardTexts) -> None:
    card = _approval_cards(service)[0]
    theirs = build_decider(settings, CardService(OTHER, gateway=gateway, clock=clock, texts=texts))
    with pytest.raises(NotFound):
        theirs.decide(card.card_id, Caller(user_id="x", tenant=OTHER, role=Role.ceo), PRESS_APPROVE)
    assert gateway.get_approval(card.context.approval_id or "", TENANT).status == "pending"


def test_reject_ends_the_work_without_executing(run: StartResult, service: CardService, decider: CardDecider,
                                                gateway: Gateway, settings: Settings) -> None:
    card = _approval_cards(service)[0]
    result = decider.decide(card.card_id, SALES, CardDecisionRequest(decision="reject", reason="النبرة رسمية جداً"))
    assert result.status == CardStatus.rejected and result.proof is None
    assert count_events(gateway, "executed") == 0 and _outbox(settings) == []


def test_an_edit_needs_its_arguments_and_runs_what_was_edited(run: StartResult, service: CardService,
                                                              decider: CardDecider, settings: Settings) -> None:
    card = _approval_cards(service)[0]
    with pytest.raises(EditNeedsArgs):
        decider.decide(card.card_id, SALES, CardDecisionRequest(button_id="edit"))
    result = decider.decide(card.card_id, SALES, CardDecisionRequest(
        button_id="edit", edited_args={"subject": "موعد قصير هذا الأسبوع"}))
    assert result.status == CardStatus.edited and result.resume is not None
    assert result.resume.execution_status == "executed"
    message = message_from_bytes(_outbox(settings)[0].read_bytes(), policy=email_policy.default)
    assert message["Subject"] == "موعد قصير هذا الأسبوع"


def test_a_button_that_is_not_on_the_card_is_refused(run: StartResult, service: CardService,
                                                     decider: CardDecider) -> None:
    card = _approval_cards(service)[0]
    for request in (CardDecisionRequest(button_id="acknowledge"), CardDecisionRequest(decision="accept"),
                    CardDecisionRequest(button_id="approve", decision="reject")):
        with pytest.raises(ButtonNotOnCard):
            decider.decide(card.card_id, SALES, request)


def test_an_adhoc_approval_goes_through_the_gateway_and_the_live_flag(service: CardService, decider: CardDecider,
                                                                      gateway: Gateway, settings: Settings) -> None:
    approval = pending_whatsapp(gateway)
    card = _approval_cards(service)[0]
    result = decider.decide(card.card_id, SALES, PRESS_APPROVE)
    assert result.resume is not None and result.resume.pending == []  # no thread: the gateway resolved it
    assert result.resume.execution_status == "not_executed"  # live WhatsApp is off: nothing left
    assert count_events(gateway, "execution_refused") == 1 and count_events(gateway, "executed") == 0
    assert gateway.get_approval(approval.approval_id, TENANT).status == "approved"  # still valid, unused


def test_accepting_an_opportunity_records_its_proof_with_the_decision(service: CardService, decider: CardDecider,
                                                                      gateway: Gateway) -> None:
    service.sync_targets([p.target for p in demo_service(clock=clock).daily().top])
    card = service.feed(Role.sales_manager).items[0].card
    result = decider.decide(card.card_id, SALES, CardDecisionRequest(button_id="prepare_draft"))
    assert result.status == CardStatus.accepted and result.proof == RWUType.opportunity_created
    [unit] = [u for u in list_rwus(gateway.store, tenant=TENANT) if u.type == RWUType.opportunity_created]
    assert unit.audit_event == result.audit_event and unit.ref == card.context.lead_id
    assert card.card_id not in {i.card.card_id for i in service.feed(Role.sales_manager).items}


def test_an_opportunity_already_counted_when_ranked_is_not_counted_again(service: CardService,
                                                                        decider: CardDecider,
                                                                        gateway: Gateway) -> None:
    picks = [p.target for p in demo_service(clock=clock).daily().top]
    gateway.invoke(ToolCall(tenant=TENANT, skill="targeting_analyst", action="targeting.rank",
                            args={"targets": [t.lead_id for t in picks]}))
    service.sync_targets(picks)
    card = service.feed(Role.sales_manager).items[0].card
    result = decider.decide(card.card_id, SALES, CardDecisionRequest(button_id="prepare_draft"))
    assert result.status == CardStatus.accepted and result.proof is None and result.audit_event
    units = [u for u in list_rwus(gateway.store, tenant=TENANT)
             if u.type == RWUType.opportunity_created and u.ref == card.context.lead_id]
    assert len(units) == 1


def test_acknowledging_a_risk_card_does_not_count_the_block_twice(service: CardService, decider: CardDecider,
                                                                  gateway: Gateway) -> None:
    blocked_attempt(gateway)
    service.sync()
    [card] = [c for c in service.store.cards(TENANT) if c.type == CardType.risk]
    before = len(list_rwus(gateway.store, tenant=TENANT))
    ceo = Caller(user_id="u-ceo", tenant=TENANT, role=Role.ceo)
    result = decider.decide(card.card_id, ceo, CardDecisionRequest(button_id="acknowledge"))
    assert result.status == CardStatus.acknowledged and result.proof is None
    assert len(list_rwus(gateway.store, tenant=TENANT)) == before
    with pytest.raises(RoleNotAllowed):  # partners do not see risk cards, so they cannot close them
        decider.decide(card.card_id, Caller(user_id="p", tenant=TENANT, role=Role.agency_partner),
                       CardDecisionRequest(button_id="dismiss"))
