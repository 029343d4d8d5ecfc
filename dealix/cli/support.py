"""``dealix support``: classify a message, list tickets, the SLA report and escalation, churn risk.

Ticket text is classified, never obeyed; listings show masked previews only.
"""

from __future__ import annotations

from typing import Annotated

import typer

from dealix.cli.output import print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from graphs.support import build_support_context
from skills.support.classify import classify as classify_text
from skills.support.factory import DEFAULT_TENANT
from skills.support.service import SupportService

support_app = typer.Typer(help="Customer Ops: ticket classification, SLA (Saudi business time), churn risk.",
                          no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant whose tickets to use.")]


def _service(tenant: str) -> SupportService:
    return build_support_context(get_settings(), tenant, gateway=build_gateway(get_settings())).support


@support_app.command("classify")
def classify(
    text: Annotated[str, typer.Argument(help="The customer's message (Arabic, English or mixed).")],
    json_out: JsonOpt = False,
) -> None:
    """Category, confidence, evidence, priority and flags of one message (nothing is stored)."""
    result = classify_text(text)
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    flags = "، ".join(result.flags) or "-"
    stdout().print(f"الفئة: {result.category_ar} ({result.category}) · الثقة {result.confidence:.2f} · "
                   f"الأولوية {result.priority} · اللغة {result.language}\nالأدلة: {'، '.join(result.evidence) or '-'}"
                   f"\nتنبيهات: {flags}", markup=False, highlight=False)


@support_app.command("tickets")
def tickets(json_out: JsonOpt = False, tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Open and closed tickets, oldest first (masked previews)."""
    service = _service(tenant)
    rows = service.tickets()
    if json_out:
        print_json([{"ticket_id": t.ticket_id, "category": t.classification.category, "priority": t.priority,
                     "status": t.status, "created_at": t.created_at.isoformat(),
                     "preview": service.masker.mask_text(t.body)[:140]} for t in rows])
        return
    for t in rows:
        stdout().print(f"{t.ticket_id} · {t.classification.category_ar} · {t.priority} · {t.status}", markup=False,
                       highlight=False)


@support_app.command("sla")
def sla(
    escalate: Annotated[bool, typer.Option("--escalate", help="Escalate (and publish cards) where due.")] = False,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Tickets near or past their SLA on Saudi business time; with --escalate, escalate them."""
    service = _service(tenant)
    escalations = service.escalate_due(actor="cli") if escalate else []
    report = service.sla_report()
    if json_out:
        print_json({"attention": [s.model_dump(mode="json") for s in report],
                    "escalations": [e.model_dump(mode="json") for e in escalations]})
        return
    for status in report:
        stdout().print(status.message_ar or status.ticket_id, markup=False, highlight=False)
    if not report:
        stdout().print("لا توجد تذاكر قريبة من موعدها أو متجاوزة له · no SLA warnings", markup=False, highlight=False)


@support_app.command("churn")
def churn(json_out: JsonOpt = False, tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Churn risk per customer, highest first, with the signals behind it."""
    risks = _service(tenant).churn()
    if json_out:
        print_json([r.model_dump(mode="json") for r in risks])
        return
    for r in risks:
        stdout().print(f"{r.customer_name or r.customer_ref}: {r.score:.0f} ({r.level_ar}) — "
                       + " ".join(s.reason_ar for s in r.signals), markup=False, highlight=False)
