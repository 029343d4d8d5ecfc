"""The gateway's contract on PostgreSQL: the same tests as on SQLite, with the store in PostgreSQL.

The contract tests below are imported from the SQLite suites and collected here again; this
module's ``rig`` fixture wraps the conftest one with ``DEALIX_DATABASE_URL`` pointing at
``DEALIX_TEST_POSTGRES_URL`` (skipped when unset), so every one of them runs on a PostgreSQL
schema. Then what only PostgreSQL needs proving: writers on separate connections take turns, and
tampering through a raw connection is still caught.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from gw_support import KEY, RecordingConnector, Rig, call, manager

# The contract, re-collected in this module so that they use the PostgreSQL ``rig`` below.
from test_audit_chain import test_an_untouched_chain_verifies  # noqa: F401
from test_execution_rules import (  # noqa: F401
    live,
    test_a_crash_between_start_and_finish_is_recovered_into_one_delivery,
    test_a_later_channel_opt_in_after_a_blanket_opt_out_restores_that_channel_only,
    test_a_second_attempt_while_the_first_is_still_running_executes_nothing,
    test_a_worker_killed_holding_the_lease_is_recovered_once_the_lease_expires,
    test_an_opt_out_blocks_even_drafts_to_that_contact,
    test_rate_limits_are_persisted_across_gateway_instances,
    test_the_frequency_cap_per_contact_holds,
)
from test_gateway_approvals import (  # noqa: F401
    test_a_rejected_approval_never_executes,
    test_an_approval_cannot_be_reused_for_another_tool_call,
    test_an_edit_runs_policy_again_and_executes_only_the_edited_arguments,
    test_an_expired_approval_is_a_denial,
    test_approved_action_executes_once_with_the_live_flag,
    test_approving_twice_says_it_was_already_decided,
    test_asking_again_for_the_same_call_returns_the_same_pending_approval,
    test_executing_again_returns_the_first_result_and_sends_nothing,
)

from skills.registry import load_skills
from tools.gateway import Gateway, GatewayConfig, LiveFlags
from tools.pgdb import drop_schemas, schema_name
from tools.store import Store

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
WA = {"to": "0550001234", "body": "السلام عليكم"}


@pytest.fixture(autouse=True)
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    monkeypatch.setenv("DEALIX_DATABASE_URL", URL)
    yield URL
    drop_schemas(URL, tmp_path)


@pytest.fixture
def rig(postgres: str, rig: Rig) -> Rig:
    """The conftest's rig, built while DEALIX_DATABASE_URL names PostgreSQL."""
    assert rig.store.backend == "postgres"
    return rig


def test_the_store_is_a_schema_not_a_file(rig: Rig, tmp_path: Path) -> None:
    rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter", args={"to": "a@example.com"}))
    assert not (tmp_path / "gateway.db").exists()
    import psycopg

    with psycopg.connect(URL) as conn:
        count = conn.execute(f'SELECT COUNT(*) FROM "{schema_name(tmp_path / "gateway.db")}".audit_events').fetchone()
    assert count is not None and count[0] >= 1


def test_an_edited_event_is_caught_through_a_raw_connection(rig: Rig, tmp_path: Path) -> None:
    for i in range(4):
        rig.gateway.invoke(call("gmail.draft", skill="saudi_copywriter", args={"to": "a@example.com", "i": i},
                                tool_call=str(i)))
    import psycopg

    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'UPDATE "{schema_name(tmp_path / "gateway.db")}".audit_events SET actor = %s WHERE seq = 2',
                     ("someone-else",))
    report = rig.gateway.audit.verify()
    assert not report.ok and report.first_bad_seq == 2


def test_one_approval_executed_from_many_connections_at_once_runs_once(rig: Rig, tmp_path: Path) -> None:
    """Each racer has its own Store (its own connection): only the advisory lock keeps them apart."""
    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    rig.opt_in("c1", "+966550001234")
    wa = call("whatsapp.send", contact_id="c1", args=WA)
    pending = rig.gateway.invoke(wa)
    assert pending.approval is not None
    token = rig.gateway.resolve(pending.approval.approval_id, manager(), "approve").token
    assert token is not None

    racers = 6
    stores = [Store(tmp_path / "gateway.db") for _ in range(racers)]
    gateways = [_gateway(rig, store, tmp_path) for store in stores]
    barrier = threading.Barrier(racers)
    statuses: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = gateways[i].execute(wa, approval_token=token)
        except Exception as exc:  # a refusal is an answer too; the assertions below count deliveries
            statuses.append(type(exc).__name__)
        else:
            statuses.append(result.execution.status if result.execution else str(result.decision.mode))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for store in stores:
        store.close()

    assert len(statuses) == racers
    assert len([c for c in rig.calls if c[0] == "whatsapp.send"]) == 1, statuses
    with rig.store.read() as conn:
        ledger = conn.execute("SELECT status FROM side_effects").fetchall()
        executed = conn.execute("SELECT COUNT(*) FROM audit_events WHERE kind = 'executed'").fetchone()[0]
    assert [r["status"] for r in ledger] == ["done"] and executed == 1
    assert rig.gateway.audit.verify().ok



def _gateway(rig: Rig, store: Store, tmp_path: Path) -> Gateway:
    """A gateway like the rig's (same connectors, clock and key) over its own store connection."""
    template = rig.make(live=LiveFlags(whatsapp=True))
    return Gateway(store=store, policy=template.policy, skills=load_skills().actions_by_skill(),
                   connectors={"whatsapp.send": RecordingConnector("whatsapp.send", rig.calls)}, key=KEY,
                   config=GatewayConfig(outbox_dir=tmp_path / "outbox", live=LiveFlags(whatsapp=True)), clock=rig.clock)
