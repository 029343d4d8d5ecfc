"""Approvals bind to exactly one action, execute once, and fail closed in every other case."""

from __future__ import annotations

import pytest
from gw_support import Rig, call, manager, support

from tools.consent import ConsentRecord
from tools.errors import ApprovalError, NotFound, RoleNotAllowed
from tools.gateway import LiveFlags
from tools.models import Caller, Channel, Mode, Role

WA_ARGS = {"to": "0550001234", "body": "السلام عليكم"}


def _approved_whatsapp(rig: Rig, *, live: bool = True) -> tuple[str, object]:
    rig.gateway = rig.make(live=LiveFlags(whatsapp=live))
    rig.opt_in("c1", "+966550001234")
    wa = call("whatsapp.send", contact_id="c1", args=WA_ARGS)
    pending = rig.gateway.invoke(wa)
    assert pending.approval is not None
    decision = rig.gateway.resolve(pending.approval.approval_id, manager(), "approve")
    assert decision.token is not None
    return decision.token, wa


def test_approved_action_executes_once_with_the_live_flag(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    first = rig.gateway.execute(wa, approval_token=token)
    assert first.decision.mode == Mode.approved_execute
    assert first.execution is not None and first.execution.status == "executed"
    assert rig.calls == [("whatsapp.send", WA_ARGS)]


def test_executing_again_returns_the_first_result_and_sends_nothing(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    first = rig.gateway.execute(wa, approval_token=token)
    second = rig.gateway.execute(wa, approval_token=token)
    assert second.execution is not None and second.execution.status == "already_executed"
    assert second.execution.ledger_id == first.execution.ledger_id  # type: ignore[union-attr]
    assert len(rig.calls) == 1
    assert len(list(rig.outbox.iterdir())) == 1


def test_without_the_live_flag_an_approved_send_does_not_run_and_the_approval_stays_usable(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig, live=False)
    refused = rig.gateway.execute(wa, approval_token=token)
    assert refused.decision.mode == Mode.blocked and refused.decision.reason_code == "live_flag_off"
    assert rig.calls == []
    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    assert rig.gateway.execute(wa, approval_token=token).execution.status == "executed"  # type: ignore[union-attr]


def test_missing_token_is_refused(rig: Rig) -> None:
    _, wa = _approved_whatsapp(rig)
    result = rig.gateway.execute(wa, approval_token=None)
    assert result.decision.reason_code == "approval_missing" and rig.calls == []


@pytest.mark.parametrize("forge", [
    lambda t: t.split(".")[0] + "." + "0" * 64,      # right id, made-up signature
    lambda t: "apr_doesnotexist." + t.split(".")[1],  # unknown id
    lambda t: t.split(".")[0],                         # no signature
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # one character changed
])
def test_forged_tokens_are_refused(rig: Rig, forge) -> None:  # type: ignore[no-untyped-def]
    token, wa = _approved_whatsapp(rig)
    result = rig.gateway.execute(wa, approval_token=forge(token))
    assert result.decision.reason_code == "approval_invalid"
    assert rig.calls == []


def test_an_approval_does_not_cover_other_arguments(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    other = wa.model_copy(update={"args": {**WA_ARGS, "body": "عرض مختلف"}})  # type: ignore[attr-defined]
    result = rig.gateway.execute(other, approval_token=token)
    assert result.decision.reason_code == "approval_mismatch"
    assert rig.calls == []


def test_an_approval_cannot_be_reused_for_another_tool_call(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    rig.gateway.execute(wa, approval_token=token)
    again = wa.model_copy(update={"tool_call_id": "2"})  # type: ignore[attr-defined]
    result = rig.gateway.execute(again, approval_token=token)
    assert result.decision.reason_code == "approval_used"
    assert len(rig.calls) == 1


def test_an_expired_approval_is_a_denial(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    rig.clock.advance(hours=49)
    result = rig.gateway.execute(wa, approval_token=token)
    assert result.decision.reason_code == "approval_expired"
    assert rig.calls == []


def test_a_pending_approval_past_its_expiry_cannot_be_approved(rig: Rig) -> None:
    pending = rig.gateway.invoke(call("crm.update", args={"record": "r1"}))
    rig.clock.advance(hours=48, seconds=1)
    with pytest.raises(ApprovalError) as caught:
        rig.gateway.resolve(pending.approval.approval_id, manager(), "approve")  # type: ignore[union-attr]
    assert caught.value.code == "approval_expired"
    assert rig.gateway.pending_approvals("t1") == []


def test_a_policy_change_invalidates_earlier_approvals(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    rig.gateway.policy = rig.gateway.policy.model_copy(update={"version": "2026.12.0"})
    result = rig.gateway.execute(wa, approval_token=token)
    assert result.decision.reason_code == "approval_mismatch"


def test_an_opt_out_after_approval_wins(rig: Rig) -> None:
    token, wa = _approved_whatsapp(rig)
    rig.opt_out("c1")
    result = rig.gateway.execute(wa, approval_token=token)
    assert result.decision.reason_code == "opt_out"
    assert rig.calls == []


def test_approving_twice_says_it_was_already_decided(rig: Rig) -> None:
    pending = rig.gateway.invoke(call("crm.update", args={"record": "r1"}))
    approval_id = pending.approval.approval_id  # type: ignore[union-attr]
    rig.gateway.resolve(approval_id, manager(), "approve")
    with pytest.raises(ApprovalError) as caught:
        rig.gateway.resolve(approval_id, manager(), "approve")
    assert caught.value.code == "already_decided"
    assert "سبق" in caught.value.message_ar


def test_a_role_without_rights_cannot_approve(rig: Rig) -> None:
    crm = rig.gateway.invoke(call("crm.update", args={"record": "r1"}))
    with pytest.raises(RoleNotAllowed):
        rig.gateway.resolve(crm.approval.approval_id, support(), "approve")  # type: ignore[union-attr]
    assert [a.approval_id for a in rig.gateway.pending_approvals("t1")] == [crm.approval.approval_id]  # type: ignore[union-attr]
    assert "approval_refused" in [e.kind for e in rig.gateway.audit.events(tenant="t1")]


def test_support_may_not_approve_an_invoice_made_approval_first(rig: Rig) -> None:
    from tools.policy import TenantOverlay

    rig.gateway.set_overlay(TenantOverlay(tenant="t1", modes={"moyasar.invoice_draft": "approval_required"}))
    invoice = rig.gateway.invoke(call("moyasar.invoice_draft", args={"amount": 100}))
    assert invoice.approval is not None
    with pytest.raises(RoleNotAllowed):
        rig.gateway.resolve(invoice.approval.approval_id, support(), "approve")
    assert rig.gateway.resolve(invoice.approval.approval_id, manager(), "approve").token is not None
    assert rig.calls == []


def test_another_tenant_cannot_see_or_decide_an_approval(rig: Rig) -> None:
    pending = rig.gateway.invoke(call("crm.update", args={"record": "r1"}))
    intruder = Caller(user_id="u-x", tenant="t2", role=Role.ceo)
    with pytest.raises(NotFound):
        rig.gateway.resolve(pending.approval.approval_id, intruder, "approve")  # type: ignore[union-attr]
    assert rig.gateway.pending_approvals("t2") == []


def test_a_rejected_approval_never_executes(rig: Rig) -> None:
    crm = call("crm.update", args={"record": "r1"})
    pending = rig.gateway.invoke(crm)
    decision = rig.gateway.resolve(pending.approval.approval_id, manager(), "reject", reason="ليس الآن")  # type: ignore[union-attr]
    assert decision.token is None
    assert rig.gateway.execute(crm, approval_token=None).decision.reason_code == "approval_missing"
    assert rig.calls == []


def test_asking_again_for_the_same_call_returns_the_same_pending_approval(rig: Rig) -> None:
    crm = call("crm.update", args={"record": "r1"})
    first = rig.gateway.invoke(crm).approval
    second = rig.gateway.invoke(crm).approval
    assert first is not None and second is not None and first.approval_id == second.approval_id
    assert len(rig.gateway.pending_approvals("t1")) == 1


def test_an_edit_runs_policy_again_and_executes_only_the_edited_arguments(rig: Rig) -> None:
    crm = call("crm.update", args={"record": "r1", "stage": "won"})
    pending = rig.gateway.invoke(crm)
    edited = {"record": "r1", "stage": "negotiation"}
    decision = rig.gateway.resolve(pending.approval.approval_id, manager(), "edit", edited_args=edited)  # type: ignore[union-attr]
    assert decision.token is not None and decision.new_decision is not None
    assert rig.gateway.execute(crm, approval_token=decision.token).decision.reason_code == "approval_mismatch"
    done = rig.gateway.execute(crm.model_copy(update={"args": edited}), approval_token=decision.token)
    assert done.execution is not None and done.execution.status == "executed"
    assert rig.calls == [("crm.update", edited)]


def test_an_edit_that_turns_a_draft_into_a_blocked_action_is_blocked(rig: Rig) -> None:
    from tools.policy import TenantOverlay

    rig.gateway.set_overlay(TenantOverlay(tenant="t1", modes={"gmail.draft": "approval_required"}))
    draft = call("gmail.draft", skill="saudi_copywriter", args={"to": "a@example.com", "body": "مرحبا"})
    pending = rig.gateway.invoke(draft)
    assert pending.decision.mode == Mode.approval_required and pending.decision.reason_code == "tenant_overlay"
    decision = rig.gateway.resolve(pending.approval.approval_id, manager(), "edit",  # type: ignore[union-attr]
                                   edited_action="gmail.send", edited_args={"to": "a@example.com", "body": "x"})
    assert decision.token is None
    assert decision.new_decision is not None and decision.new_decision.mode == Mode.blocked
    assert rig.calls == []


def test_an_overlay_can_tighten_but_never_loosen(rig: Rig) -> None:
    from tools.policy import TenantOverlay

    rig.gateway.set_overlay(TenantOverlay(tenant="t1", modes={"gmail.send": "draft_only",
                                                             "crm.update": "suggest_only"}))
    assert rig.gateway.invoke(call("gmail.send")).decision.mode == Mode.blocked
    assert rig.gateway.invoke(call("crm.update")).decision.mode == Mode.approval_required


def test_settled_approvals_are_those_decided_with_nothing_left_to_finish_in_one_read(rig: Rig) -> None:
    """The bulk read a waiting answer uses (issue 19) agrees with ``unfinished_token`` on every status."""
    rig.gateway = rig.make(live=LiveFlags(whatsapp=True))
    ids: dict[str, str] = {}
    for i, name in enumerate(("pending", "approved", "executed", "rejected", "dying", "other_tenant")):
        contact, phone = f"c{i}", f"+96655000{i:04d}"
        tenant = "t2" if name == "other_tenant" else "t1"
        rig.gateway.consent.record(ConsentRecord(tenant=tenant, contact_id=contact, channel=Channel.whatsapp,
                                                 status="opt_in", source="form:web-42", recorded_at=rig.clock.now,
                                                 address=phone))
        wa = call("whatsapp.send", contact_id=contact, args={"to": phone, "body": "السلام عليكم"}, tenant=tenant,
                  tool_call=str(i))
        pending = rig.gateway.invoke(wa)
        assert pending.approval is not None
        ids[name] = pending.approval.approval_id
        if name in ("approved", "executed", "dying"):
            token = rig.gateway.resolve(ids[name], manager(), "approve").token
            if name != "approved":
                assert rig.gateway.execute(wa, approval_token=token).execution.status == "executed"  # type: ignore[union-attr]
        elif name == "rejected":
            rig.gateway.resolve(ids[name], manager(), "reject", reason="لا")
    with rig.store.transaction() as conn:  # a worker died in the middle of this one's execution
        conn.execute("UPDATE side_effects SET status = 'started' WHERE approval_id = ?", (ids["dying"],))
    settled = rig.gateway.settled_approvals(ids.values(), "t1")
    assert set(settled) == {ids["executed"], ids["rejected"]}
    assert settled[ids["rejected"]].status == "rejected"
    for name, approval_id in ids.items():
        if name != "other_tenant":
            decided = rig.gateway.get_approval(approval_id, "t1").status != "pending"
            finished = rig.gateway.unfinished_token(approval_id, "t1") is None
            assert (approval_id in settled) == (decided and finished), name
    assert set(rig.gateway.get_approvals([*ids.values(), "apr_missing"], "t1")) == set(ids.values()) - {
        ids["other_tenant"]}
