"""``dealix cards feed|decide|whatsapp``: a role's decision cards in the terminal.

``feed`` first builds cards from the current state of the data dir (pending approvals, blocked
attempts, today's opportunities from imported leads), so it shows something true on every run.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from graphs.cards import build_card_service, build_decider
from skills.cards.build import refresh
from skills.cards.decisions import CardDecisionRequest, CardDecisionResult
from skills.cards.feed import Feed
from skills.cards.service import PublishReport
from skills.cards.whatsapp import render_card
from tools.errors import GatewayError
from tools.models import Caller, Role

cards_app = typer.Typer(help="Decision cards: a role's feed, a decision on a card, its WhatsApp rendering.",
                        no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]


@cards_app.command("feed")
def feed(
    role: Annotated[Role, typer.Option("--role", help="Whose feed.")],
    json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="At most this many cards.")] = 20,
    opportunities: Annotated[bool, typer.Option("--opportunities/--no-opportunities",
                                                help="Rank imported leads into opportunity cards.")] = True,
    tenant: TenantOpt = "default",
) -> None:
    """The role's open cards, most pressing first (built from the current state first)."""
    settings = get_settings()
    service = build_card_service(settings, tenant, gateway=build_gateway(settings))
    try:
        report = refresh(service, settings) if opportunities else service.sync()
        result = service.feed(role, limit=limit)
    except GatewayError as error:
        raise fail(error) from error
    finally:
        service.gateway.store.close()
    if json_out:
        print_json({"feed": result.model_dump(mode="json"), "refreshed": report.model_dump(mode="json")})
    else:
        _print_feed(result, report, tenant)


def _print_feed(result: Feed, report: PublishReport, tenant: str) -> None:
    console = stdout()
    if not result.items:
        console.print(f"لا توجد بطاقات مفتوحة لهذا الدور · no open cards for {result.role.value}", highlight=False)
        console.print("للبدء: dealix targeting import FILE ثم dealix cards feed، أو dealix autopilot --leads FILE "
                      f"--tenant {tenant}، أو dealix demo.", markup=False, highlight=False)
        return
    table = Table(title=f"بطاقات القرار · {result.role.value} ({len(result.items)} من {result.total})",
                  show_lines=True)
    for column in ("#", "النوع", "البطاقة", "الخطورة", "الخيارات", "card id"):
        table.add_column(column, overflow="fold")
    from skills.cards.texts import load_texts

    labels = load_texts().data.labels
    for i, item in enumerate(result.items, start=1):
        card = item.card
        folded = f" (+{item.duplicates})" if item.duplicates else ""
        table.add_row(str(i), labels.type[card.type] + folded,
                      f"{card.title_ar}\n{card.why_now_ar}\n→ {card.recommended_action_ar}",
                      labels.risk[card.risk_level],
                      "\n".join(f"{n}. {b.label_ar} [{b.button_id}]" for n, b in enumerate(card.buttons, start=1)),
                      card.card_id)
    console.print(table)
    console.print(f"جديدة {report.new} · محدّثة {report.updated} · مكررات مطوية {result.duplicates_dropped}",
                  highlight=False)


@cards_app.command("decide")
def decide(
    card_id: Annotated[str, typer.Argument(help="The card id.")],
    button: Annotated[str, typer.Argument(help="Button id (approve, reject, acknowledge...) or its number.")],
    role: Annotated[Role, typer.Option("--as", help="The role you decide as.")],
    args: Annotated[str | None, typer.Option("--args", help="Edit: JSON object of the arguments to change.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Your user id (default: the OS user).")] = None,
    json_out: JsonOpt = False,
    tenant: TenantOpt = "default",
) -> None:
    """Press a button on a card; an approval resumes its thread and runs what was approved, once."""
    edited: dict[str, Any] | None = None
    if args is not None:
        try:
            edited = json.loads(args)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not JSON: {exc}", param_hint="--args") from exc
        if not isinstance(edited, dict):
            raise typer.BadParameter("a JSON object", param_hint="--args")
    settings = get_settings()
    caller = Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=tenant, role=role)
    service = build_card_service(settings, tenant, gateway=build_gateway(settings))
    try:
        card = service.card(card_id)
        button_id = button
        if button.isdigit() and 1 <= int(button) <= len(card.buttons):
            button_id = card.buttons[int(button) - 1].button_id
        result = build_decider(settings, service).decide(
            card_id, caller, CardDecisionRequest(button_id=button_id, reason=reason, edited_args=edited))
    except GatewayError as error:
        raise fail(error) from error
    finally:
        service.gateway.store.close()
    _print_decision(result, json_out=json_out)


def _print_decision(result: CardDecisionResult, *, json_out: bool) -> None:
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    console = stdout()
    console.print(result.message_ar, markup=False, highlight=False)
    console.print(f"{result.card_id} · {result.decision} · {result.status.value}"
                  + (f" · {result.proof.value}" if result.proof else ""), markup=False, highlight=False)
    if result.resume is not None and result.resume.execution_status:
        console.print(f"{result.resume.execution_status} {result.resume.ledger_id or ''}".strip(), markup=False,
                      highlight=False)


@cards_app.command("whatsapp")
def whatsapp(
    card_id: Annotated[str, typer.Argument(help="The card id.")],
    json_out: JsonOpt = False,
    tenant: TenantOpt = "default",
) -> None:
    """The card as a WhatsApp text brief (and, with --json, the interactive message). Nothing is sent."""
    service = build_card_service(settings := get_settings(), tenant, gateway=build_gateway(settings))
    try:
        rendering = render_card(service.card(card_id), service.texts)
    except GatewayError as error:
        raise fail(error) from error
    finally:
        service.gateway.store.close()
    if json_out:
        print_json(rendering.model_dump(mode="json"))
    else:
        stdout().out(rendering.text, highlight=False)  # as WhatsApp shows it: no wrapping, no markup


__all__ = ["cards_app"]
