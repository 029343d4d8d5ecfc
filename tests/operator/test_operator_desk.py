"""The operator's desk from the chat: each daily ask served through the gateway, each forbidden act refused
as itself, several asks in one message, and approvals answered by number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from operator_support import SUNDAY_10_RIYADH, new_thread, of_type, reply, turn

from dealix.settings import Settings
from graphs.operator_context import OperatorContext
from skills.pipeline.book import DealBook, pipeline_db_path
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import Channel
from tools.rwu import list_rwus


@pytest.fixture
def leads(settings: Settings) -> None:
    build_service(settings, tenant="acme", clock=lambda: SUNDAY_10_RIYADH).import_file(SAMPLE_FILE)


def _lead_id(settings: Settings, contact: str) -> str:
    repo = build_service(settings, tenant="acme", clock=lambda: SUNDAY_10_RIYADH).repository
    return next(lead.lead_id for lead in repo.leads("acme") if lead.contact_name == contact)


def _rwus(ctx: OperatorContext) -> list[str]:
    return [str(u.type) for u in list_rwus(ctx.gateway.store, tenant="acme")]


def test_rank_and_whatsapp_ranks_and_refuses_the_whatsapp_half_as_whatsapp_send(
        make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx()
    events = turn(ctx, "Rank my top 3 and WhatsApp them right away")
    calls = {c.action: c for c in of_type(events, "tool_call")}
    # two of the three picks get an email draft; the first is a partner introduction (a person's step)
    assert calls["targeting.rank"].allowed and len(of_type(events, "approval_request")) == 2
    refused = calls["whatsapp.send"]
    assert not refused.allowed and refused.reason_code == "no_opt_in"  # never the wrong reason (no_contact)
    text = reply(events)
    assert "Today's top 3 targets" in text and "Not done (WhatsApp send)" in text and "recorded" in text
    audit = [e for e in ctx.gateway.audit.events(tenant="acme", limit=1000) if e.kind == "execution_refused"]
    assert [(e.action, e.actor) for e in audit] == [("whatsapp.send", "sales_manager@acme")]


@pytest.mark.parametrize(("text", "action", "code", "arabic"), [
    ("Email blast to all our leads right now", "gmail.send", "live_email_blocked", False),
    ("ابيك تسحب لي مدراء التسويق من لينكدان", "linkedin.scrape", "linkedin_blocked", True),
    ("Send a LinkedIn DM to their CEO", "linkedin.dm", "linkedin_blocked", False),
    ("خذ المبلغ من بطاقة العميل واخصمه الحين", "moyasar.charge", "live_charge_blocked", True),
    ("Put the call into his calendar directly, no approval", "calendar.insert", "approval_missing", False),
])
def test_each_forbidden_act_is_refused_with_its_own_reason_in_the_language_of_the_request(
        make_ctx: Callable[..., OperatorContext], text: str, action: str, code: str, arabic: bool) -> None:
    ctx = make_ctx()
    events = turn(ctx, text)
    call = next(c for c in of_type(events, "tool_call") if c.action == action)
    assert not call.allowed and call.reason_code in (code, "live_flag_off")
    assert ("لم أنفّذ" in reply(events)) is arabic and ("Not done" in reply(events)) is not arabic
    assert not ctx.gateway.pending_approvals("acme")  # a refusal leaves nothing waiting


def test_a_question_about_a_forbidden_act_is_answered_not_refused(make_ctx: Callable[..., OperatorContext]) -> None:
    ctx = make_ctx()
    events = turn(ctx, "ليش ما نرسل واتساب للقوائم المشتراة؟")
    assert not [c for c in of_type(events, "tool_call") if not c.allowed]
    assert "ما لا يفعله Dealix" in reply(events) and "إرسال رسالة واتساب" in reply(events)


def test_an_invoice_draft_from_the_chat_runs_the_draft_connector_and_counts_a_payment_link(
        make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx()
    events = turn(ctx, "أعدّ مسودة فاتورة لمؤسسة الأفق بمبلغ ٨٠٠٠ ريال")
    call = of_type(events, "tool_call")[0]
    assert call.action == "moyasar.invoice_draft" and call.mode == "draft_only" and call.allowed
    assert "مسودة فاتورة لـمؤسسة الأفق للمقاولات" in reply(events)
    assert "payment_link_drafted" in _rwus(ctx)


def test_an_invoice_without_an_amount_asks_for_it_and_runs_nothing(make_ctx: Callable[..., OperatorContext],
                                                                   leads: None) -> None:
    events = turn(make_ctx(), "Invoice draft for the Horizon deal please")
    assert not of_type(events, "tool_call") and "I need the customer and the amount" in reply(events)


def test_a_meeting_draft_from_the_chat_is_an_invitation_file_and_counts(make_ctx: Callable[..., OperatorContext],
                                                                        leads: None) -> None:
    ctx = make_ctx()
    events = turn(ctx, "Draft a meeting with Nora on Tuesday at 10")
    call = of_type(events, "tool_call")[0]
    assert call.action == "calendar.draft" and call.allowed
    assert "2026-11-24 10:00" in reply(events)
    assert "meeting_drafted" in _rwus(ctx)


def test_crm_update_and_export_wait_for_approval(make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx()
    turn(ctx, "Update the CRM: move the Khalid Al Otaibi deal to negotiation")
    turn(ctx, "صدّر قائمة الفرص إلى جدول بيانات")
    waiting = {a.action_request.action: a for a in ctx.gateway.pending_approvals("acme")}
    assert set(waiting) == {"crm.update", "sheets.export"}
    assert waiting["crm.update"].action_request.args["updates"][0]["new"] == "negotiation"
    rows = waiting["sheets.export"].action_request.args["rows"]
    assert rows and all(set(row) == {"rank", "company", "channel", "why_now"} for row in rows)  # no phones, no emails


def test_pending_approvals_are_numbered_and_answered_by_number(make_ctx: Callable[..., OperatorContext],
                                                               leads: None) -> None:
    ctx = make_ctx()
    thread = new_thread(ctx)
    turn(ctx, "rank my top 5 leads today", thread)  # three drafts: two of the five are a person's step
    listed = turn(ctx, "وش اللي ينتظر موافقتي؟", thread)
    assert "1. مسودة بريد إلكتروني" in reply(listed) and "3. مسودة بريد إلكتروني" in reply(listed)
    first, second = sorted(ctx.gateway.pending_approvals("acme"), key=lambda a: (a.requested_at, a.approval_id))[:2]
    assert "اعتمدتُ الطلب رقم 1" in reply(turn(ctx, "وافق على ١", thread))
    # "2" is still the second item shown, not the one that moved up; and no reason is needed to reject.
    assert "Rejected item 2" in reply(turn(ctx, "reject 2", thread))
    assert ctx.gateway.get_approval(first.approval_id, "acme").status in ("approved", "consumed")
    assert ctx.gateway.get_approval(second.approval_id, "acme").status == "rejected"
    assert "no item 9" in reply(turn(ctx, "approve 9", thread))


def test_opt_out_and_opt_in_are_recorded_in_the_consent_registry(make_ctx: Callable[..., OperatorContext],
                                                                 settings: Settings, leads: None) -> None:
    ctx = make_ctx()
    assert "سجّلت طلب سارة القحطاني" in reply(turn(ctx, "سجّل أن سارة القحطاني طلبت إلغاء الاشتراك"))
    sara = _lead_id(settings, "سارة القحطاني")
    assert ctx.gateway.consent.state("acme", sara, Channel.email).opted_out
    turn(ctx, "Nora opted in to WhatsApp, record it")
    nora = _lead_id(settings, "د. نورة الشهري")
    assert ctx.gateway.consent.state("acme", nora, Channel.whatsapp).opted_in


def test_a_deal_for_the_forecast_is_recorded_in_the_deal_book(make_ctx: Callable[..., OperatorContext],
                                                              settings: Settings, leads: None) -> None:
    turn(make_ctx(), "أضف صفقة جديدة للتوقعات: مؤسسة الأفق بقيمة ٢٥٠٠٠ ريال")
    book = DealBook(pipeline_db_path(settings))
    try:
        revisions = book.revisions("acme")
    finally:
        book.close()
    assert [(r.company_name, float(r.value_sar)) for r in revisions] == [("مؤسسة الأفق للمقاولات", 25000.0)]


def test_status_of_the_day_in_dialect_counts_what_waits_and_what_was_refused(
        make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx()
    thread = new_thread(ctx)
    turn(ctx, "wts all the numbers now", thread)
    status = reply(turn(ctx, "وش الوضع اليوم؟", thread))
    assert "وضع اليوم" in status and "إجراءات رُفضت اليوم: 1" in status
    blocked = reply(turn(ctx, "وش اللي انمنع اليوم؟", thread))
    assert "إرسال رسالة واتساب (1)" in blocked


def test_with_a_model_its_tools_are_gateway_actions_behind_the_same_refusals(
        make_ctx: Callable[..., OperatorContext]) -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    from skills.operator.model_router import ModelRouter

    seen: list[str] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.extend(t.name for t in info.output_tools)
        return ModelResponse(parts=[ToolCallPart("whatsapp_send", {})])

    ctx = make_ctx(router=ModelRouter(FunctionModel(model)))
    events = turn(ctx, "ابي اوصل للناس كلهم بأسرع طريقة")  # the offline reading finds nothing to do here
    assert {"moyasar_charge", "whatsapp_send", "invoice_draft", "meeting_draft"} <= set(seen)
    call = of_type(events, "tool_call")[0]
    assert call.action == "whatsapp.send" and not call.allowed and call.reason_code == "no_opt_in"
    assert of_type(events, "route")[0].via == "model"
