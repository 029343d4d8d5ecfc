"""What is checked when something is about to leave: crash safety, quiet hours, caps, rate limits."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from gw_support import Rig, call, manager

from tools.connectors.base import ConnectorContext, Delivery
from tools.errors import ConnectorError
from tools.gateway import LiveFlags
from tools.models import Mode

WA = {"to": "0550001234", "body": "السلام عليكم"}


def _approve(rig: Rig, tool_call: str = "1", args: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    wa = call("whatsapp.send", contact_id="c1", args=args or WA, tool_call=tool_call)
    pending = rig.gateway.invoke(wa)
    assert pending.approval is not None, pending.decision
    return wa, rig.gateway.resolve(pending.approval.approval_id, manager(), "approve").token


@pytest.fixture
def live(rig: Rig) -> Rig:
    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    rig.opt_in("c1", "+966550001234")
    return rig


def test_a_crash_between_start_and_finish_is_recovered_into_one_delivery(live: Rig) -> None:
    wa, token = _approve(live)
    connector = live.gateway._connectors["whatsapp.send"]
    original = connector._deliver

    def die(args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        original(args, ledger_id=ledger_id, live=live, ctx=ctx)  # the file is written...
        raise SystemExit("killed")                                # ...and the process dies before recording it

    connector._deliver = die  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        live.gateway.execute(wa, approval_token=token)
    connector._deliver = original  # type: ignore[method-assign]
    # a new attempt (the graph resumes) re-runs the idempotent connector under the same ledger id
    again = live.gateway.execute(wa, approval_token=token)
    assert again.execution is not None and again.execution.status == "executed"
    assert len(list(live.outbox.iterdir())) == 1
    third = live.gateway.execute(wa, approval_token=token)
    assert third.execution is not None and third.execution.status == "already_executed"


def test_a_second_attempt_while_the_first_is_still_running_executes_nothing(live: Rig) -> None:
    wa, token = _approve(live)
    connector = live.gateway._connectors["whatsapp.send"]
    original = connector._deliver
    inside, finish = threading.Event(), threading.Event()

    def slow(args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        inside.set()
        assert finish.wait(10)
        return original(args, ledger_id=ledger_id, live=live, ctx=ctx)

    connector._deliver = slow  # type: ignore[method-assign]
    first: list[Any] = []
    worker = threading.Thread(target=lambda: first.append(live.gateway.execute(wa, approval_token=token)))
    worker.start()
    assert inside.wait(10)
    second = live.gateway.execute(wa, approval_token=token)  # a double click, another API worker
    finish.set()
    worker.join(10)
    assert second.execution is not None and second.execution.status == "in_progress"
    assert first[0].execution.status == "executed"
    assert len(list(live.outbox.iterdir())) == 1


def test_a_worker_killed_holding_the_lease_is_recovered_once_the_lease_expires(live: Rig) -> None:
    wa, token = _approve(live)
    connector = live.gateway._connectors["whatsapp.send"]
    original = connector._deliver
    connector._deliver = lambda *a, **k: (_ for _ in ()).throw(SystemExit("kill -9"))  # type: ignore[method-assign]
    release = live.gateway.ledger.release
    live.gateway.ledger.release = lambda *a, **k: None  # type: ignore[method-assign]  # kill -9: no cleanup runs
    with pytest.raises(SystemExit):
        live.gateway.execute(wa, approval_token=token)
    live.gateway.ledger.release = release  # type: ignore[method-assign]
    connector._deliver = original  # type: ignore[method-assign]
    held = live.gateway.execute(wa, approval_token=token)
    assert held.execution is not None and held.execution.status == "in_progress" and live.calls == []
    live.clock.advance(minutes=3)
    recovered = live.gateway.execute(wa, approval_token=token)
    assert recovered.execution is not None and recovered.execution.status == "executed"
    assert len(list(live.outbox.iterdir())) == 1


def test_a_non_idempotent_connector_interrupted_mid_run_is_in_doubt_not_repeated(live: Rig) -> None:
    wa, token = _approve(live)
    connector = live.gateway._connectors["whatsapp.send"]
    type(connector).idempotent = False
    try:
        connector._deliver = lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed"))  # type: ignore[method-assign]
        with pytest.raises(SystemExit):
            live.gateway.execute(wa, approval_token=token)
        result = live.gateway.execute(wa, approval_token=token)
        assert result.execution is not None and result.execution.status == "in_doubt"
    finally:
        type(connector).idempotent = True


def test_a_failing_connector_is_recorded_and_can_be_retried_with_the_same_approval(live: Rig) -> None:
    wa, token = _approve(live)
    connector = live.gateway._connectors["whatsapp.send"]
    original = connector._deliver
    connector._deliver = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))  # type: ignore[method-assign]
    with pytest.raises(ConnectorError):
        live.gateway.execute(wa, approval_token=token)
    connector._deliver = original  # type: ignore[method-assign]
    assert live.gateway.execute(wa, approval_token=token).execution.status == "executed"  # type: ignore[union-attr]
    assert [e.kind for e in live.gateway.audit.events(tenant="t1", limit=500)].count("execution_failed") == 1


def test_sends_wait_for_saudi_business_hours(live: Rig) -> None:
    wa, token = _approve(live)
    live.clock.advance(days=5)  # Friday
    result = live.gateway.execute(wa, approval_token=token)
    assert result.decision.reason_code == "quiet_hours" and live.calls == []
    live.clock.advance(days=2)  # Sunday a week later: past the 48-hour expiry, so a denial
    assert live.gateway.execute(wa, approval_token=token).decision.reason_code == "approval_expired"


def test_sends_outside_working_hours_on_a_weekday_wait(live: Rig) -> None:
    wa, token = _approve(live)
    live.clock.advance(hours=8)  # Sunday 19:00 in Riyadh
    assert live.gateway.execute(wa, approval_token=token).decision.reason_code == "quiet_hours"
    live.clock.advance(hours=14)  # Monday 09:00
    assert live.gateway.execute(wa, approval_token=token).execution.status == "executed"  # type: ignore[union-attr]


def test_the_frequency_cap_per_contact_holds(live: Rig) -> None:
    codes = []
    for n in range(3):
        wa, token = _approve(live, tool_call=str(n), args={**WA, "body": f"رسالة {n}"})
        codes.append(live.gateway.execute(wa, approval_token=token).decision.reason_code)
    assert codes == ["approved", "approved", "frequency_cap"]
    assert len(live.calls) == 2


def test_drafts_do_not_count_as_sends_for_the_cap(live: Rig) -> None:
    for n in range(5):
        live.gateway.invoke(call("calendar.draft", skill="negotiation_coach", contact_id="c1", tool_call=str(n),
                                 args={"n": n}))
    with live.gateway.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM side_effects WHERE channel IS NOT NULL").fetchone()[0] == 0


def test_rate_limits_are_persisted_across_gateway_instances(rig: Rig) -> None:
    policy = rig.gateway.policy
    tight = policy.model_copy(update={"rate_limits": {**policy.rate_limits,
                                                      "gmail.draft": policy.rate_limits["default"].model_copy(
                                                          update={"limit": 2})}})
    rig.gateway.policy = tight
    modes = [rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter", tool_call=str(n))).decision.mode
             for n in range(2)]
    fresh = rig.make()  # a restart: same store, new process state
    fresh.policy = tight
    third = fresh.invoke(call("gmail.draft", skill="saudi_copywriter", tool_call="9"))
    assert modes == [Mode.draft_only, Mode.draft_only]
    assert third.decision.reason_code == "rate_limited"


def test_an_opt_out_blocks_even_drafts_to_that_contact(rig: Rig) -> None:
    rig.opt_in("c1", "+966550001234")
    rig.opt_out("c1")
    result = rig.gateway.invoke(call("whatsapp.draft", skill="saudi_copywriter", contact_id="c1", args=WA))
    assert result.decision.reason_code == "opt_out" and rig.calls == []


def test_a_later_channel_opt_in_after_a_blanket_opt_out_restores_that_channel_only(rig: Rig) -> None:
    from tools.models import Channel

    rig.opt_out("c1")
    rig.clock.advance(minutes=5)
    rig.opt_in("c1", "+966550001234", channel=Channel.whatsapp)
    assert rig.gateway.consent.state("t1", "c1", Channel.whatsapp).opted_in
    assert rig.gateway.consent.state("t1", "c1", Channel.email).opted_out


def test_a_contacts_own_quiet_hours_are_respected(rig: Rig) -> None:
    from datetime import time

    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    rig.opt_in("c1", "+966550001234", quiet_start=time(10, 30), quiet_end=time(12, 0))
    wa, token = _approve(rig)  # Sunday 11:00 in Riyadh: business hours, but the contact's quiet time
    assert rig.gateway.execute(wa, approval_token=token).decision.reason_code == "quiet_hours"
    rig.clock.advance(hours=1, minutes=30)  # 12:30
    assert rig.gateway.execute(wa, approval_token=token).execution.status == "executed"  # type: ignore[union-attr]
