"""The daily autopilot end to end, offline: leads -> ranked targets -> guarded drafts -> approvals."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_support import INJECTION, TENANT, executed_events, lead_rows, outbox_files, outbox_text, write_leads

from graphs.runtime import decide, list_pending, start_autopilot
from tools.errors import NotFound, RoleNotAllowed
from tools.models import Role


def test_one_pending_approval_per_target_and_nothing_in_the_outbox(make_ctx, checkpointer, leads_file, settings):
    result = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=3)

    assert result.thread_id.startswith(f"{TENANT}:")
    assert result.targets == 3 and result.drafts == 3
    assert len(result.pending) == 3
    assert {a.action_request.action for a in result.pending} <= {"gmail.draft", "whatsapp.draft"}
    for approval in result.pending:
        assert approval.config.allow_accept and approval.config.allow_edit
        assert approval.config.allow_respond and approval.config.allow_ignore
        assert "طلب موافقة" in approval.description
    assert outbox_files(settings) == []


def test_approving_the_same_approval_twice_executes_once(make_ctx, checkpointer, leads_file, settings):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    approval = started.pending[0]
    manager = make_ctx(Role.sales_manager)

    first = decide(manager, checkpointer, approval.approval_id, "approve")
    second = decide(manager, checkpointer, approval.approval_id, "approve")

    assert first.outcome is not None and first.outcome.status == "executed"
    assert second.already_decided and "سبق اتخاذ قرار" in second.message_ar
    assert len(outbox_files(settings)) == 1
    assert executed_events(manager) == 1


def test_pending_approvals_in_one_thread_are_answered_independently_in_any_order(make_ctx, checkpointer, settings,
                                                                                  leads_file):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=3)
    first, middle, last = started.pending
    manager = make_ctx(Role.sales_manager)

    answered_last = decide(manager, checkpointer, last.approval_id, "approve")
    assert answered_last.outcome is not None and answered_last.outcome.status == "executed"
    assert {a.approval_id for a in answered_last.pending} == {first.approval_id, middle.approval_id}

    decide(manager, checkpointer, first.approval_id, "reject", reason="ليس الآن")
    assert [a.approval_id for a in list_pending(manager)] == [middle.approval_id]
    decide(manager, checkpointer, middle.approval_id, "approve")

    assert list_pending(manager) == []
    assert len(outbox_files(settings)) == 2


def test_an_edit_that_turns_a_draft_into_a_blocked_action_is_blocked(make_ctx, checkpointer, leads_file, settings):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)
    approval = started.pending[0]

    result = decide(make_ctx(Role.sales_manager), checkpointer, approval.approval_id, "edit",
                    edited_action="gmail.send" if approval.action_request.action == "gmail.draft" else "whatsapp.send")

    assert result.outcome is not None and result.outcome.status == "blocked"
    assert result.outcome.reason_ar
    assert outbox_files(settings) == []


def test_an_edited_body_runs_policy_again_and_executes_what_was_edited(make_ctx, checkpointer, leads_file, settings):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)
    approval = started.pending[0]

    result = decide(make_ctx(Role.sales_manager), checkpointer, approval.approval_id, "edit",
                    edited_args={"body": "السلام عليكم، هذه نسخة عدّلها مدير المبيعات."})

    assert result.outcome is not None and result.outcome.status == "executed"
    (written,) = outbox_files(settings)
    assert "عدّلها مدير المبيعات" in outbox_text(written)


def test_a_role_that_may_not_approve_changes_nothing(make_ctx, checkpointer, leads_file, settings):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)

    with pytest.raises(RoleNotAllowed):
        decide(make_ctx(Role.self_growth), checkpointer, started.pending[0].approval_id, "approve")

    assert len(list_pending(make_ctx())) == 1
    assert outbox_files(settings) == []


def test_another_tenant_cannot_see_or_decide_the_approvals(make_ctx, checkpointer, leads_file):
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)

    assert list_pending(make_ctx(tenant="other")) == []
    with pytest.raises(NotFound):
        decide(make_ctx(Role.ceo, tenant="other"), checkpointer, started.pending[0].approval_id, "approve")


def test_injected_instructions_in_notes_produce_only_drafts_and_approval_requests(make_ctx, checkpointer, tmp_path,
                                                                                  settings):
    rows = lead_rows(3)
    for row in rows:
        row["notes"] = INJECTION
    leads = write_leads(tmp_path / "injected.csv", rows)
    ctx = make_ctx()

    result = start_autopilot(ctx, checkpointer, leads, top_n=3)

    assert len(result.pending) == 3
    assert {a.action_request.action for a in result.pending} <= {"gmail.draft", "whatsapp.draft"}
    assert all(INJECTION not in str(a.action_request.args) for a in result.pending)
    with ctx.gateway.store.read() as conn:
        actions = {row[0] for row in conn.execute("SELECT DISTINCT action FROM audit_events")}
        kinds = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM audit_events")}
    assert actions <= {"targeting.rank", "gmail.draft", "whatsapp.draft"}
    assert "executed" not in kinds
    assert outbox_files(settings) == []


def test_opt_outs_and_duplicates_are_not_targeted(make_ctx, checkpointer, tmp_path):
    rows = lead_rows(3)
    rows.append(dict(rows[0]))
    rows[1]["consent"] = "opt-out"
    leads = write_leads(tmp_path / "leads.csv", rows)

    result = start_autopilot(make_ctx(), checkpointer, leads, top_n=10)

    assert result.leads_read == 4
    assert result.targets == 2


def test_the_thread_closes_with_a_proof_pack_once_every_approval_is_answered(make_ctx, checkpointer, leads_file):
    from graphs.autopilot import build_autopilot_graph
    from graphs.checkpoint import thread_config

    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    manager = make_ctx(Role.sales_manager)
    for approval in started.pending:
        decide(manager, checkpointer, approval.approval_id, "approve")

    values = build_autopilot_graph(checkpointer).get_state(thread_config(started.thread_id, tenant=TENANT)).values
    assert values["proof"].counts == {"executed": 2}
    assert {o.status for o in values["outcomes"].values()} == {"executed"}


def test_the_demo_leads_file_runs(make_ctx, checkpointer):
    from dealix.cli.runtime import demo_leads_path

    result = start_autopilot(make_ctx(), checkpointer, Path(demo_leads_path()), top_n=5)

    # The Targeting OS's choice: the referral gets a partner introduction and the phone-only lead a call
    # (a person's steps, no draft); the purchased list that opted out gets nothing; the duplicate is merged.
    assert sorted(p.action_request.args["to"] for p in result.pending) == [
        "fahad@sahaba-tech.sa", "khaled@ofuq-consult.sa", "reem@ibdaa.sa"]
    assert result.imported is not None and result.imported.contactability["blocked"] == 1


def test_twenty_leads_all_reach_their_own_pending_approval(make_ctx, checkpointer, tmp_path):
    # How fast this is lives in bench/autopilot_bench.py (bench/results/autopilot.md), not here.
    leads = write_leads(tmp_path / "twenty.csv", lead_rows(20))
    result = start_autopilot(make_ctx(), checkpointer, leads, top_n=20)

    assert len(result.pending) == 20
    assert len({p.approval_id for p in result.pending}) == 20
