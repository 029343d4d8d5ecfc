"""An approval's arguments stay in clear while they may still run, and only then (personal data at rest).

Executed, rejected, superseded and expired approvals keep keyed pseudonyms of their arguments; the
digest, so the token, the idempotence of a repeat and the audit chain, stays exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from gw_support import Rig, call, manager

from tools.connectors.base import ConnectorContext, Delivery
from tools.gateway import LiveFlags
from tools.models import ToolCall

PHONE, BODY = "0550001234", "السلام عليكم أ. هند الشمري، نود تحديد موعد قصير."
WA = {"to": PHONE, "body": BODY}


@pytest.fixture
def live(rig: Rig) -> Rig:
    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    rig.opt_in("c1", "+966550001234")
    return rig


def _row(rig: Rig, approval_id: str) -> dict[str, Any]:
    with rig.store.read() as conn:
        row = conn.execute("SELECT status, args, digest, description FROM approvals WHERE approval_id = ?",
                           (approval_id,)).fetchone()
    return {"status": row["status"], "args": json.loads(row["args"]), "digest": row["digest"],
            "description": row["description"]}


def _pending(rig: Rig, tool_call: str = "1") -> tuple[ToolCall, str]:
    wa = call("whatsapp.send", contact_id="c1", args=WA, tool_call=tool_call)
    approval = rig.gateway.invoke(wa).approval
    assert approval is not None
    return wa, approval.approval_id


def _in_clear(row: dict[str, Any]) -> bool:
    return row["args"] == WA


def _masked(row: dict[str, Any]) -> bool:
    text = json.dumps(row["args"], ensure_ascii=False) + row["description"]
    return row["args"]["to"].startswith("[TO:") and PHONE not in text and "هند الشمري" not in text


def test_an_executed_approval_keeps_only_pseudonyms_and_a_repeat_still_finds_it_done(live: Rig) -> None:
    wa, approval_id = _pending(live)
    before = _row(live, approval_id)
    token = live.gateway.resolve(approval_id, manager(), "approve").token
    assert _in_clear(_row(live, approval_id))  # approved, not yet run: the executor needs them

    first = live.gateway.execute(wa, approval_token=token)
    assert first.execution is not None and first.execution.status == "executed"
    after = _row(live, approval_id)
    assert after["status"] == "consumed" and _masked(after) and after["digest"] == before["digest"]

    again = live.gateway.execute(wa, approval_token=token)  # the same call, its token: the digest still binds
    assert again.execution is not None and again.execution.status == "already_executed"
    assert live.calls == [("whatsapp.send", WA)]
    assert live.gateway.audit.verify().ok


def test_rejected_and_expired_approvals_keep_only_pseudonyms(live: Rig) -> None:
    _, rejected = _pending(live, "1")
    live.gateway.resolve(rejected, manager(), "reject", reason="ليس الآن")
    assert _masked(_row(live, rejected)) and _row(live, rejected)["status"] == "rejected"

    _, expired = _pending(live, "2")
    live.clock.advance(hours=49)
    with pytest.raises(Exception, match="expired"):
        live.gateway.resolve(expired, manager(), "approve")
    assert _masked(_row(live, expired)) and _row(live, expired)["status"] == "expired"


def test_an_edited_approval_is_superseded_masked_and_the_edit_runs_as_approved(live: Rig) -> None:
    wa, approval_id = _pending(live)
    edited = {"to": PHONE, "body": "السلام عليكم، نود تحديد موعد قصير."}
    decision = live.gateway.resolve(approval_id, manager(), "edit", edited_args=edited)
    assert _masked(_row(live, approval_id)) and _row(live, approval_id)["status"] == "superseded"
    assert decision.new_decision is not None and decision.new_decision.approval_id is not None
    new_id = decision.new_decision.approval_id
    assert _row(live, new_id)["args"] == edited  # approved by the editor, not yet run

    done = live.gateway.execute(wa.model_copy(update={"args": edited}), approval_token=decision.token)
    assert done.execution is not None and done.execution.status == "executed"
    assert _row(live, new_id)["args"]["to"].startswith("[TO:")


def test_a_death_inside_the_connector_keeps_the_arguments_until_the_recovery_delivers(live: Rig) -> None:
    wa, approval_id = _pending(live)
    token = live.gateway.resolve(approval_id, manager(), "approve").token
    connector = live.gateway._connectors["whatsapp.send"]
    original = connector._deliver

    def die(args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        raise SystemExit("killed")

    connector._deliver = die  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        live.gateway.execute(wa, approval_token=token)
    connector._deliver = original  # type: ignore[method-assign]
    row = _row(live, approval_id)
    assert row["status"] == "consumed" and _in_clear(row)  # unfinished: a resume finishes it with them
    with live.store.transaction() as conn:
        assert not live.gateway.approvals.retire(conn, approval_id)
    assert live.gateway.unfinished_token(approval_id, "t1") == token

    again = live.gateway.execute(wa, approval_token=token)
    assert again.execution is not None and again.execution.status == "executed"
    assert _masked(_row(live, approval_id))


def test_a_pending_approval_cannot_be_retired(live: Rig) -> None:
    _, approval_id = _pending(live)
    with live.store.transaction() as conn:
        assert not live.gateway.approvals.retire(conn, approval_id)
    assert _in_clear(_row(live, approval_id))


def test_the_store_overwrites_what_it_deletes(rig: Rig) -> None:
    # Debian's SQLite is built with secure_delete on; python.org and macOS builds are not.
    with rig.store.read() as conn:
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_the_old_arguments_leave_the_store_file_once_spent(live: Rig) -> None:
    wa, approval_id = _pending(live)
    token = live.gateway.resolve(approval_id, manager(), "approve").token
    path = live.store.path

    def checkpoint() -> bytes:
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.read_bytes()

    assert "هند الشمري".encode() in checkpoint()  # pending and approved: in the file, as it must be
    live.gateway.execute(wa, approval_token=token)
    # Rewritten, and no old copy left in the page's free space or the write-ahead log.
    assert "هند الشمري".encode() not in checkpoint()
