"""The dead-letter queue: a failing connector lands in it, is retried with backoff under the same effect
key and approval, and never executes twice; exhaustion raises one ceo card; a discard is final."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from typing import Any

import pytest
from dlq_support import DRAFT_ARGS, PHONE, FlakyConnector, draft_call, make_gateway
from governance_support import TENANT, MovingClock

from dealix.settings import Settings
from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.governance.dlq import DeadLetterDesk
from tools.deadletter import DeadLetter, load_dlq_settings
from tools.errors import ApprovalError, ConnectorError, RoleNotAllowed
from tools.gateway import Gateway
from tools.models import Caller, Role, ToolCall

CEO = Caller(user_id="ceo@acme", tenant=TENANT, role=Role.ceo)
SUPPORT = Caller(user_id="support@acme", tenant=TENANT, role=Role.support)


def fail_once(gateway: Gateway, call: ToolCall | None = None) -> DeadLetter:
    with pytest.raises(ConnectorError):
        gateway.invoke(call or draft_call())
    letters = DeadLetterDesk(TENANT, gateway=gateway).report().letters
    assert len(letters) == 1
    return letters[0]


def ledger_rows(gateway: Gateway) -> list[tuple[str, str]]:
    with gateway.store.read() as conn:
        return [(r["ledger_id"], r["status"]) for r in conn.execute("SELECT ledger_id, status FROM side_effects"
                                                                    " WHERE action = 'gmail.draft'")]


def test_a_failing_connector_lands_in_the_queue_with_error_attempts_and_next_retry(
        settings: Settings, clock: MovingClock) -> None:
    gateway = make_gateway(settings, clock, FlakyConnector("gmail.draft", failures=1))
    letter = fail_once(gateway)
    config = load_dlq_settings()
    assert (letter.status, letter.attempts, letter.max_attempts) == ("waiting", 1, config.max_attempts)
    assert letter.error_code == "upstream_unavailable" and letter.action == "gmail.draft"
    assert letter.next_retry_at is not None
    wait = (letter.next_retry_at - clock.now).total_seconds()
    base, ratio = config.backoff.base_seconds, config.backoff.jitter_ratio
    assert base * (1 - ratio) <= wait <= base * (1 + ratio)
    assert ledger_rows(gateway) == [(letter.ledger_id, "failed")]
    kinds = [e.kind for e in gateway.audit.events(tenant=TENANT)]
    assert kinds[-2:] == ["execution_failed", "dead_lettered"]  # written with the failed row


def test_backoff_grows_exponentially_is_capped_and_jitter_is_deterministic() -> None:
    config = load_dlq_settings()
    delays = [config.delay("dlq_a", n).total_seconds() for n in range(1, 12)]
    assert delays == [config.delay("dlq_a", n).total_seconds() for n in range(1, 12)]  # same letter, same waits
    assert all(later > earlier for earlier, later in itertools.pairwise(delays[:4]))
    assert max(delays) <= config.backoff.cap_seconds and delays[-1] >= config.backoff.cap_seconds * 0.5
    assert config.delay("dlq_a", 1) != config.delay("dlq_b", 1)  # two letters do not retry in step


def test_a_retry_before_it_is_due_is_refused_unless_an_authorised_person_forces_it(
        settings: Settings, clock: MovingClock) -> None:
    connector = FlakyConnector("gmail.draft", failures=1)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    desk = DeadLetterDesk(TENANT, gateway=gateway, clock=clock)
    with pytest.raises(ApprovalError) as not_due:
        desk.retry(letter.letter_id, CEO)
    assert not_due.value.code == "dlq_not_due" and "موعد" in not_due.value.message_ar
    with pytest.raises(RoleNotAllowed):
        desk.retry(letter.letter_id, SUPPORT, force=True)
    assert connector.delivered == 0
    forced = desk.retry(letter.letter_id, CEO, force=True)
    assert forced.outcome == "executed" and forced.letter.status == "resolved" and connector.delivered == 1
    refusals = [e for e in gateway.audit.events(tenant=TENANT) if e.kind == "dead_letter_refused"]
    assert [e.payload["reason_code"] for e in refusals] == ["dlq_not_due", "dlq_force_not_allowed"]


def test_a_due_retry_executes_once_and_a_second_retry_runs_nothing(settings: Settings, clock: MovingClock) -> None:
    connector = FlakyConnector("gmail.draft", failures=1)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    clock.advance(minutes=10)
    desk = DeadLetterDesk(TENANT, gateway=gateway, clock=clock)
    first = desk.retry(letter.letter_id, CEO)
    assert first.outcome == "executed" and first.letter.status == "resolved"
    assert first.ledger_id == letter.ledger_id  # the same effect key, the same ledger row
    again = desk.retry(letter.letter_id, CEO)
    assert again.outcome == "already_executed"
    assert ledger_rows(gateway) == [(letter.ledger_id, "done")]
    assert len(list(settings.outbox_dir.glob("gmail.draft-*"))) == 1 and connector.delivered == 1
    # the original path reaching the same key is deduplicated too
    replay = gateway.invoke(draft_call())
    assert replay.execution is not None and replay.execution.status == "already_executed"
    decisions = [e for e in gateway.audit.events(tenant=TENANT) if e.action == "dlq.retry"]
    assert decisions and all(e.actor == CEO.user_id for e in decisions)


def test_two_concurrent_retries_execute_once(settings: Settings, clock: MovingClock) -> None:
    gate = threading.Event()
    connector = FlakyConnector("gmail.draft", failures=1, gate=gate)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    clock.advance(minutes=10)
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(
        gateway.retry_dead_letter(letter.letter_id, tenant=TENANT, actor="dlq-sweeper").outcome))
    worker.start()
    assert connector.entered.wait(10)  # the first retry holds the lease inside the connector
    second = gateway.retry_dead_letter(letter.letter_id, tenant=TENANT, actor="ops@acme", role=Role.ceo, force=True)
    gate.set()
    worker.join(10)
    assert second.outcome == "in_progress" and results == ["executed"]
    assert connector.delivered == 1 and ledger_rows(gateway) == [(letter.ledger_id, "done")]
    assert gateway.dead_letter(letter.letter_id, TENANT).status == "resolved"


def test_exhausted_after_max_attempts_raises_one_ceo_risk_card(settings: Settings, clock: MovingClock) -> None:
    connector = FlakyConnector("gmail.draft", failures=1000)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    desk = DeadLetterDesk(TENANT, gateway=gateway, clock=clock)
    waits: list[float] = []
    while True:
        current = gateway.dead_letter(letter.letter_id, TENANT)
        if current.status != "waiting":
            break
        assert current.next_retry_at is not None
        waits.append((current.next_retry_at - clock.now).total_seconds())
        clock.now = current.next_retry_at + timedelta(seconds=1)
        sweep = desk.retry_due()
        assert sweep.retried == 1 and sweep.failed == 1
    assert current.status == "exhausted" and current.attempts == current.max_attempts == connector.runs
    assert waits == sorted(waits)  # each wait longer than the one before
    feed = CardService(TENANT, gateway=gateway, clock=clock).feed(Role.ceo, types=[CardType.risk])
    assert [i.card.context.thread_id for i in feed.items] == [letter.thread_id]
    assert desk.publish_exhausted() == 0 and desk.retry_due().retried == 0  # once; an exhausted letter is left
    with pytest.raises(ApprovalError) as exhausted:
        desk.retry(letter.letter_id, CEO, force=True)
    assert exhausted.value.code == "dlq_exhausted"


def test_a_discarded_letter_never_runs_again(settings: Settings, clock: MovingClock) -> None:
    connector = FlakyConnector("gmail.draft", failures=1)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    desk = DeadLetterDesk(TENANT, gateway=gateway, clock=clock)
    discarded = desk.discard(letter.letter_id, CEO, f"العميل طلب الإلغاء، رقمه {PHONE}")
    assert discarded.status == "discarded" and discarded.discarded_by == CEO.user_id
    assert discarded.discard_reason is not None and "4567" not in discarded.discard_reason
    clock.advance(hours=1)
    with pytest.raises(ApprovalError) as refused:
        desk.retry(letter.letter_id, CEO, force=True)
    assert refused.value.code == "dlq_discarded"
    assert desk.retry_due().retried == 0
    replay = gateway.invoke(draft_call())  # the original path: refused, audited
    assert replay.execution is not None and replay.execution.status == "not_executed"
    assert replay.execution.detail["reason_code"] == "dead_letter_discarded"
    assert connector.delivered == 0 and ledger_rows(gateway) == [(letter.ledger_id, "failed")]
    kinds = [e.kind for e in gateway.audit.events(tenant=TENANT)]
    assert "dead_letter_discarded" in kinds and kinds[-1] == "execution_refused"


def test_the_error_text_is_masked_in_the_row_the_audit_and_the_raised_error(settings: Settings,
                                                                           clock: MovingClock) -> None:
    gateway = make_gateway(settings, clock, FlakyConnector("gmail.draft", failures=1))
    with pytest.raises(ConnectorError) as raised:
        gateway.invoke(draft_call())
    assert "4567" not in str(raised.value) and "4567" not in raised.value.message_en
    with gateway.store.read() as conn:
        row = conn.execute("SELECT error_message, error_code FROM dead_letters").fetchone()
        audit = [r["payload"] for r in conn.execute("SELECT payload FROM audit_events")]
    assert "4567" not in row["error_message"] and "[PHONE:" in row["error_message"]
    assert not any("4567" in payload for payload in audit)
    letter = DeadLetterDesk(TENANT, gateway=gateway).report().letters[0]
    assert "sara@example.sa" not in letter.model_dump_json()  # the letter view never carries the args


def test_a_retry_reuses_the_approval_its_first_run_spent(settings: Settings, clock: MovingClock) -> None:
    connector = FlakyConnector("crm.update", failures=1)
    gateway = make_gateway(settings, clock, connector)
    call = ToolCall(tenant=TENANT, skill="execution_governor", action="crm.update", contact_id="lead_1",
                    args={"record_id": "lead_1", "stage": "qualified"}, thread_id="t-crm", tool_call_id="c1")
    approval_id = gateway.decide(call).decision.approval_id
    assert approval_id is not None
    decision = gateway.resolve(approval_id, Caller(user_id="sm@acme", tenant=TENANT, role=Role.sales_manager),
                               "approve")
    with pytest.raises(ConnectorError):
        gateway.execute(call, approval_token=decision.token)
    letter = DeadLetterDesk(TENANT, gateway=gateway).report().letters[0]
    assert letter.approval_id == approval_id
    clock.advance(minutes=10)
    result = gateway.retry_dead_letter(letter.letter_id, tenant=TENANT, actor="dlq-sweeper")
    assert result.outcome == "executed" and connector.delivered == 1
    assert gateway.get_approval(approval_id, TENANT).status == "consumed"
    with gateway.store.read() as conn:
        rows = conn.execute("SELECT status, approval_id FROM side_effects WHERE action = 'crm.update'").fetchall()
    assert [(r["status"], r["approval_id"]) for r in rows] == [("done", approval_id)]


def test_a_non_idempotent_connector_is_retried_only_when_nothing_left(settings: Settings, clock: MovingClock) -> None:
    early = FlakyConnector("gmail.draft", failures=1, idempotent=False)
    gateway = make_gateway(settings, clock, early)
    letter = fail_once(gateway)
    assert letter.retry_safe and letter.status == "waiting"  # failed before writing anything
    clock.advance(minutes=10)
    assert gateway.retry_dead_letter(letter.letter_id, tenant=TENANT, actor="dlq-sweeper").outcome == "executed"

    late = FlakyConnector("gmail.draft", failures=1, idempotent=False, fail_after_outbox=True)
    gateway = make_gateway(settings, clock, late)
    with pytest.raises(ConnectorError):
        gateway.invoke(draft_call(call_id="d2"))
    doubtful = [x for x in DeadLetterDesk(TENANT, gateway=gateway).report().letters if x.status != "resolved"]
    assert [(x.status, x.retry_safe, x.next_retry_at) for x in doubtful] == [("in_doubt", False, None)]
    clock.advance(hours=1)
    with pytest.raises(ApprovalError) as refused:
        gateway.retry_dead_letter(doubtful[0].letter_id, tenant=TENANT, actor="ops", role=Role.ceo, force=True)
    assert refused.value.code == "dlq_in_doubt"
    replay = gateway.invoke(draft_call(call_id="d2"))
    assert replay.execution is not None and replay.execution.status == "in_doubt" and late.runs == 1


def test_a_letter_of_another_tenant_is_not_found(settings: Settings, clock: MovingClock) -> None:
    gateway = make_gateway(settings, clock, FlakyConnector("gmail.draft", failures=1))
    letter = fail_once(gateway)
    other = Caller(user_id="ceo@rival", tenant="rival", role=Role.ceo)
    desk = DeadLetterDesk("rival", gateway=gateway, clock=clock)
    assert desk.report().letters == []
    for attempt in (lambda: desk.retry(letter.letter_id, other, force=True),
                    lambda: desk.discard(letter.letter_id, other, "ليس لنا")):
        with pytest.raises(Exception) as missing:
            attempt()
        assert getattr(missing.value, "code", None) == "dead_letter_not_found"
    assert gateway.dead_letter(letter.letter_id, TENANT).status == "waiting"
    assert DRAFT_ARGS["to"] not in str(letter)


def test_retries_refused_only_for_timing_wait_without_spending_attempts(
        settings: Settings, clock: MovingClock, monkeypatch: pytest.MonkeyPatch) -> None:
    connector = FlakyConnector("gmail.draft", failures=1)
    gateway = make_gateway(settings, clock, connector)
    letter = fail_once(gateway)
    desk = DeadLetterDesk(TENANT, gateway=gateway, clock=clock)
    night = itertools.count()
    real_refusal = gateway._refusal_at_execution

    def quiet_for_a_night(*args: Any, **kwargs: Any) -> Any:  # ten retries fall in quiet hours, then the morning comes
        return ("quiet_hours", None) if next(night) < 10 else real_refusal(*args, **kwargs)

    monkeypatch.setattr(gateway, "_refusal_at_execution", quiet_for_a_night)
    for _ in range(10):  # twice max_attempts: a count per refusal would have exhausted it
        current = gateway.dead_letter(letter.letter_id, TENANT)
        assert current.status == "waiting" and current.attempts == 1
        assert current.next_retry_at is not None and current.next_retry_at > clock.now
        clock.now = current.next_retry_at + timedelta(seconds=1)
        assert desk.retry(letter.letter_id, CEO).outcome == "refused"
    due = gateway.dead_letter(letter.letter_id, TENANT).next_retry_at
    assert due is not None
    clock.now = due + timedelta(seconds=1)
    assert desk.retry(letter.letter_id, CEO).outcome == "executed"
    assert connector.delivered == 1 and gateway.dead_letter(letter.letter_id, TENANT).status == "resolved"
