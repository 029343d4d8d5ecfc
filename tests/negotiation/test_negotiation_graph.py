"""The negotiation graph: classify -> respond -> a reply draft that waits for a person before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from negotiation_support import EMAIL_DEAL, GOOD_SECTIONS, TENANT, WHATSAPP_DEAL, fixed, outbox_files

from dealix.settings import Settings
from graphs.negotiation import (
    NegotiationContext,
    build_negotiation_context,
    build_negotiation_graph,
    decide_negotiation,
    start_negotiation,
)
from skills.negotiation.errors import UtteranceError
from skills.negotiation.models import Classification, NegotiationResult, ObjectionClass
from tools.errors import RoleNotAllowed
from tools.gateway import Gateway
from tools.models import Caller, Role


def _ctx(settings: Settings, gateway: Gateway, role: Role | None = None, tenant: str = TENANT) -> NegotiationContext:
    caller = Caller(user_id=f"user-{role.value}", tenant=tenant, role=role) if role else None
    return build_negotiation_context(settings, tenant, caller=caller, gateway=gateway, clock=fixed())


def _executed(gateway: Gateway) -> int:
    with gateway.store.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM audit_events WHERE kind = 'executed'").fetchone()[0])


@pytest.mark.parametrize(("deal", "action"), [(WHATSAPP_DEAL, "whatsapp.draft"), (EMAIL_DEAL, "gmail.draft")])
def test_the_reply_draft_waits_for_an_approval_and_nothing_is_written(settings: Settings, gateway: Gateway,
                                                                      checkpointer: Any, deal: Any,
                                                                      action: str) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", deal)

    assert run.classification is not None and run.classification.label is ObjectionClass.price
    assert run.result is not None and run.result.reply.status == "ready"
    assert run.pending is not None and run.pending.action_request.action == action
    assert run.pending.action_request.args["body"] == run.result.reply.body
    assert run.outcome is not None and run.outcome.status == "awaiting_approval"
    assert list(outbox_files(settings.outbox_dir)) == [] and _executed(gateway) == 0


def test_approving_writes_exactly_the_approved_draft_once(settings: Settings, gateway: Gateway,
                                                          checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "لازم أرجع للإدارة", WHATSAPP_DEAL)
    assert run.pending is not None
    manager = _ctx(settings, gateway, Role.sales_manager)

    first = decide_negotiation(manager, checkpointer, run.pending.approval_id, "approve")
    second = decide_negotiation(manager, checkpointer, run.pending.approval_id, "approve")

    assert first.outcome is not None and first.outcome.status == "executed"
    assert second.already_decided
    files = list(outbox_files(settings.outbox_dir))
    assert len(files) == 1 and _executed(gateway) == 1
    assert run.result is not None and run.result.reply.sections is not None
    assert run.result.reply.sections.next_step in files[0].read_text(encoding="utf-8")


def test_rejecting_writes_nothing(settings: Settings, gateway: Gateway, checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "تضمنون النتائج؟", EMAIL_DEAL)
    assert run.pending is not None
    result = decide_negotiation(_ctx(settings, gateway, Role.sales_manager), checkpointer, run.pending.approval_id,
                                "reject", reason="نعدّل الصياغة أولاً")
    assert result.outcome is not None and result.outcome.status == "rejected"
    assert list(outbox_files(settings.outbox_dir)) == [] and _executed(gateway) == 0


def test_a_role_that_may_not_approve_changes_nothing(settings: Settings, gateway: Gateway, checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", EMAIL_DEAL)
    assert run.pending is not None
    with pytest.raises(RoleNotAllowed):
        decide_negotiation(_ctx(settings, gateway, Role.self_growth), checkpointer, run.pending.approval_id,
                           "approve")
    assert gateway.get_approval(run.pending.approval_id, TENANT).status == "pending"
    assert list(outbox_files(settings.outbox_dir)) == []


@pytest.mark.parametrize(("edited_body", "action"), [
    ("عرض خاص: خصم 50% إذا وقعتم اليوم", "negotiation.discount_first"),
    ("نضمن لكم مضاعفة المبيعات خلال شهر", "negotiation.guarantee_outcome"),
    ("We will double your sales, guaranteed.", "negotiation.guarantee_outcome"),
])
def test_an_approvers_edit_that_adds_a_discount_or_a_promise_is_refused_and_recorded(
        settings: Settings, gateway: Gateway, checkpointer: Any, edited_body: str, action: str) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", WHATSAPP_DEAL)
    assert run.pending is not None
    edited = decide_negotiation(_ctx(settings, gateway, Role.sales_manager), checkpointer, run.pending.approval_id,
                                "edit", edited_args={"body": edited_body})
    assert edited.outcome is not None and edited.outcome.status == "blocked"
    assert edited.outcome.reason_ar == gateway.policy.rule(action).reason_ar
    assert list(outbox_files(settings.outbox_dir)) == [] and _executed(gateway) == 0
    refused = [e for e in gateway.audit.events(tenant=TENANT, limit=500) if e.action == action]
    assert len(refused) == 1 and refused[0].payload["mode"] == "blocked"


def test_an_approvers_harmless_edit_is_executed(settings: Settings, gateway: Gateway, checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", WHATSAPP_DEAL)
    assert run.pending is not None
    text = "أهلاً سارة، نقترح تجربة محدودة أولاً. هل يناسبكم اتصال قصير يوم الأحد؟"
    edited = decide_negotiation(_ctx(settings, gateway, Role.sales_manager), checkpointer, run.pending.approval_id,
                                "edit", edited_args={"body": text})
    assert edited.outcome is not None and edited.outcome.status == "executed"
    files = list(outbox_files(settings.outbox_dir))
    assert len(files) == 1 and "تجربة محدودة" in files[0].read_text(encoding="utf-8")


def test_a_hostile_seller_request_is_refused_and_the_draft_is_still_compliant(settings: Settings, gateway: Gateway,
                                                                              checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", WHATSAPP_DEAL,
                            seller_request="give them 50% off now, promise we'll double their sales")
    assert run.result is not None
    assert {r.code for r in run.result.refusals} == {"discount_first", "guarantee_outcome"}
    assert all(r.audit_event for r in run.result.refusals)
    assert run.pending is not None
    body = run.pending.action_request.args["body"]
    assert "50" not in body and "خصم" not in body and "نضمن" not in body


def test_no_draft_without_an_address_on_the_channel(settings: Settings, gateway: Gateway, checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي",
                            WHATSAPP_DEAL.model_copy(update={"phone": ""}))
    assert run.pending is None and run.outcome is not None
    assert run.outcome.status == "refused" and run.outcome.reason_code == "recipient_missing"
    assert run.result is not None and run.result.reply.status == "ready"  # the reply is still shown


def test_a_reply_that_needs_review_is_never_proposed_as_a_draft(settings: Settings, gateway: Gateway,
                                                                checkpointer: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from negotiation_support import scripted_model

    ctx = _ctx(settings, gateway)
    bad = {**GOOD_SECTIONS.model_dump(), "acknowledge": "نضمن لكم النتائج."}
    object.__setattr__(ctx.coach.negotiator, "model", scripted_model([bad], []))
    run = start_negotiation(ctx, checkpointer, "غالي شوي", WHATSAPP_DEAL)
    assert run.pending is None and run.outcome is not None and run.outcome.status == "needs_review"
    assert gateway.pending_approvals(TENANT) == []


def test_unusable_text_is_refused_before_a_thread_starts(settings: Settings, gateway: Gateway,
                                                         checkpointer: Any) -> None:
    with pytest.raises(UtteranceError):
        start_negotiation(_ctx(settings, gateway), checkpointer, "\u200b\u200b", WHATSAPP_DEAL)
    assert gateway.pending_approvals(TENANT) == []


def test_state_keeps_its_types_after_a_resume_from_the_checkpoint(settings: Settings, gateway: Gateway,
                                                                  checkpointer: Any) -> None:
    run = start_negotiation(_ctx(settings, gateway), checkpointer, "أرسل لي التفاصيل", EMAIL_DEAL)
    assert run.pending is not None
    resumed = decide_negotiation(_ctx(settings, gateway, Role.sales_manager), checkpointer, run.pending.approval_id,
                                 "approve")
    assert isinstance(resumed.values["classification"], Classification)
    assert isinstance(resumed.values["result"], NegotiationResult)


def test_another_tenant_cannot_decide_the_approval(settings: Settings, gateway: Gateway, checkpointer: Any) -> None:
    from tools.errors import NotFound

    run = start_negotiation(_ctx(settings, gateway), checkpointer, "غالي شوي", EMAIL_DEAL)
    assert run.pending is not None
    with pytest.raises(NotFound):
        decide_negotiation(_ctx(settings, gateway, Role.ceo, tenant="other"), checkpointer,
                           run.pending.approval_id, "approve")


def test_the_graph_compiles_without_a_checkpointer_for_studio(tmp_path: Path) -> None:
    graph = build_negotiation_graph()
    assert {"classify", "respond", "approval"} <= set(graph.nodes)
    approval = graph.nodes["approval"].bound
    assert {"safe_action_reviewer", "human_approval", "execution_governor"} <= set(approval.nodes)
