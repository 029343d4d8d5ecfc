"""``dealix negotiate "TEXT"``: the objection's class and confidence, the checked reply, and the close plan."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.negotiation.factory import DEFAULT_TENANT, build_coach
from skills.negotiation.models import DealContext, NegotiationResult
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
) -> None:
    """Classify one objection and answer it: class, confidence, reply and close plan (nothing is sent)."""
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
