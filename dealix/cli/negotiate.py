"""``dealix negotiate "TEXT"``: the objection's class and confidence, the checked reply, and the close plan.

``--lead LEAD_ID --draft email|whatsapp`` answers that lead through the negotiation graph instead: the reply
becomes a draft to the lead's own contact point that waits in the approvals inbox
(``dealix approvals decide ID approve``), and only then is written to the outbox; nothing is sent.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.negotiation import NegotiationRun, build_negotiation_context, start_negotiation
from skills.negotiation.factory import DEFAULT_TENANT, build_coach
from skills.negotiation.lead import deal_for_lead
from skills.negotiation.models import DealContext, NegotiationResult
from skills.targeting.factory import build_service
from tools.errors import GatewayError


def negotiate(
    text: Annotated[str, typer.Argument(help="The customer's message, as received (Arabic, English or mixed).")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")] = False,
    channel: Annotated[Literal["whatsapp", "email"], typer.Option("--channel", help="Channel of the reply.")
                       ] = "whatsapp",
    company: Annotated[str, typer.Option("--company", help="The customer's company.")] = "",
    contact: Annotated[str, typer.Option("--contact", help="The customer's contact person.")] = "",
    language: Annotated[Literal["ar", "en"] | None, typer.Option("--language", help="Reply language "
                                                                  "(default: from the text).")] = None,
    seller_request: Annotated[str | None, typer.Option(
        "--request", help="What you want to do; a discount first or a promised outcome is refused and recorded."
    )] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant whose audit log records the suggestion.")
                      ] = DEFAULT_TENANT,
    lead: Annotated[str | None, typer.Option("--lead", help="A Targeting OS lead id: answer that lead (its names, "
                                             "sector, signals and contact point).")] = None,
    draft: Annotated[Literal["email", "whatsapp"] | None, typer.Option(
        "--draft", help="With --lead: propose the reply as an email or WhatsApp draft awaiting approval.")] = None,
) -> None:
    """Classify one objection and answer it: class, confidence, reply and close plan (nothing is sent)."""
    if (lead is None) != (draft is None):
        raise typer.BadParameter("--lead و--draft يُستخدمان معاً · --lead and --draft go together")
    if lead is not None and draft is not None:
        _draft(text, lead, draft, tenant=tenant, seller_request=seller_request, json_out=json_out)
        return
    try:
        deal = DealContext(company_name=company, contact_name=contact, channel=channel, language=language)
        settings = get_settings()
        coach = build_coach(settings, tenant=tenant, gateway=build_gateway(settings))
        result = coach.respond(text, deal, seller_request=seller_request)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        _show(result)
    if result.reply.status != "ready":
        raise typer.Exit(code=2)


def _show(result: NegotiationResult) -> None:
    console = stdout()
    c = result.classification
    console.print(f"الاعتراض · objection: {c.label.value} ({c.label_ar}) — الثقة · confidence {c.confidence:.2f}",
                  markup=False, highlight=False)
    for refusal in result.refusals:
        console.print(f"مرفوض · refused [{refusal.code}]: {refusal.reason_ar}", markup=False, highlight=False)
    reply = result.reply
    console.print(f"\nالرد · reply ({reply.channel}, {reply.language}, {reply.status}):", markup=False,
                  highlight=False)
    if reply.subject:
        console.print(reply.subject, markup=False, highlight=False)
    console.print(reply.body or "—", markup=False, highlight=False)
    failed = [r.message_ar for r in reply.check.rules if not r.ok] + [p.message_ar for p in reply.check.guard.problems]
    for message in failed:
        console.print(f"✗ {message}", markup=False, highlight=False)
    plan = Table(title="خطة الإغلاق · close plan (Asia/Riyadh)", show_lines=False)
    for column in ("#", "الموعد · due", "المسؤول · owner", "الخطوة · step"):
        plan.add_column(column, overflow="fold")
    for step in result.close_plan.steps:
        plan.add_row(str(step.order), step.due_ar, step.owner_ar, step.action_ar)
    console.print(plan)
    for risk in result.close_plan.risks:
        console.print(f"⚠ {risk.risk_ar} ← {risk.mitigation_ar}", markup=False, highlight=False)


def _draft(text: str, lead_id: str, channel: Literal["email", "whatsapp"], *, tenant: str,
           seller_request: str | None, json_out: bool) -> None:
    settings = get_settings()
    try:
        targeting = build_service(settings, tenant=tenant)
        try:
            deal = deal_for_lead(targeting.repository, tenant, lead_id, channel)
        finally:
            targeting.repository.close()
        ctx = build_negotiation_context(settings, tenant, gateway=build_gateway(settings))
        with open_checkpointer(settings) as checkpointer:
            run = start_negotiation(ctx, checkpointer, text, deal, seller_request=seller_request)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(run.model_dump(mode="json"))
    else:
        _show_draft(run)
    if run.pending is None:
        raise typer.Exit(code=2)


def _show_draft(run: NegotiationRun) -> None:
    console = stdout()
    if run.result is not None:
        _show(run.result)
    if run.pending is not None:
        request = run.pending.action_request
        where = f"{request.action} → {request.args.get('to')}"
        console.print(f"\nمسودة بانتظار الموافقة · draft awaiting approval: {where}", markup=False, highlight=False)
        console.print(f"dealix approvals decide {run.pending.approval_id} approve", markup=False, highlight=False)
    elif run.outcome is not None:
        reason = run.outcome.reason_ar or run.outcome.status
        console.print(f"\nلا مسودة · no draft [{run.outcome.reason_code or run.outcome.status}]: {reason}",
                      markup=False, highlight=False)
