"""``dealix autopilot``, ``dealix approvals list|decide`` and the runtime part of ``dealix demo``.

Every command works from a fresh process: approvals live in the gateway's database and threads in
the checkpointer, so a process killed while approvals are pending loses nothing.
"""

from __future__ import annotations

import getpass
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.inbox import InboxDecision, decide_approval
from graphs.runtime import StartResult, build_context, list_pending, start_autopilot
from tools.errors import GatewayError
from tools.models import ApprovalRequest, Caller, Role, ToolCall

approvals_app = typer.Typer(help="Pending approvals: list them, and decide one (approve, reject, edit).",
                            no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _approval_json(approval: ApprovalRequest) -> dict[str, Any]:
    return {"approval_id": approval.approval_id, "thread_id": approval.thread_id,
            "action": approval.action_request.action, "args": approval.action_request.args,
            "description": approval.description, "approver_roles": [r.value for r in approval.approver_roles],
            "expires_at": approval.expires_at.isoformat(), "status": approval.status}


def _print_approvals(approvals: list[ApprovalRequest], *, full: bool = False) -> None:
    console = stdout()
    if not approvals:
        console.print("لا توجد موافقات معلّقة · no pending approvals")
        return
    table = Table(title=f"موافقات معلّقة · pending approvals ({len(approvals)})", show_lines=True)
    for column in ("approval id", "action", "to", "subject / body"):
        table.add_column(column, overflow="fold")
    for approval in approvals:
        args = approval.action_request.args
        table.add_row(approval.approval_id, approval.action_request.action, str(args.get("to", "")),
                      str(args.get("subject") or args.get("body", ""))[:80])
    console.print(table)
    if full:
        for approval in approvals:
            console.print(f"\n[bold]{approval.approval_id}[/]", highlight=False)
            console.print(approval.description, markup=False, highlight=False)


def _start_json(result: StartResult) -> dict[str, Any]:
    report = result.imported
    return {"thread_id": result.thread_id, "leads_read": result.leads_read, "targets": result.targets,
            "drafts": result.drafts, "pending": [_approval_json(a) for a in result.pending],
            "settled": [o.model_dump(mode="json") for o in result.outcomes],
            "import": report.model_dump(mode="json", include={
                "import_id", "encoding", "rows_read", "imported", "already_present", "duplicates_in_file",
                "rejected", "contactability", "issues"}) if report else None}


def autopilot(
    leads: Annotated[Path, typer.Option("--leads", exists=True, dir_okay=False,
                                        help="Leads file (CSV in any Saudi encoding, XLSX or JSON).")],
    top: Annotated[int, typer.Option("--top", min=1, max=500, help="How many top targets to draft for.")] = 10,
    json_out: JsonOpt = False,
    tenant: TenantOpt = "default",
) -> None:
    """Import the leads through the Targeting OS, then draft for today's top N and ask for approvals."""
    settings = get_settings()
    try:
        ctx = build_context(settings, tenant, gateway=build_gateway(settings))
        with open_checkpointer(settings) as checkpointer:
            result = start_autopilot(ctx, checkpointer, leads, top)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(_start_json(result))
        return
    console = stdout()
    console.print(f"مسار العمل · thread: [bold]{result.thread_id}[/]", highlight=False)
    report = result.imported
    if report is not None:
        console.print(f"الاستيراد — عملاء جدد: {report.imported} · موجودون مسبقاً: {report.already_present} · "
                      f"أسطر مرفوضة: {report.rejected} · الترميز: {report.encoding or '—'}", markup=False)
        for issue in report.issues[:10]:
            console.print(f"  - صف {issue.row_number}: {issue.reason_ar}", markup=False)
    console.print(f"الأسطر المقروءة: {result.leads_read} · الفرص الآمنة المختارة للكتابة: {result.targets} · "
                  f"المسودات: {result.drafts}")
    _print_approvals(result.pending, full=True)
    for outcome in result.outcomes:
        console.print(f"- {outcome.company_name}: {outcome.status} — {outcome.reason_ar}", markup=False)


@approvals_app.command("list")
def approvals_list(json_out: JsonOpt = False, tenant: TenantOpt = "default",
                   full: Annotated[bool, typer.Option("--full", help="Show each Arabic description.")] = False,
                   ) -> None:
    """Pending approvals across threads."""
    try:
        ctx = build_context(get_settings(), tenant, gateway=build_gateway(get_settings()))
        pending = list_pending(ctx)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json([_approval_json(a) for a in pending])
    else:
        _print_approvals(pending, full=full)


@approvals_app.command("decide")
def approvals_decide(
    approval_id: Annotated[str, typer.Argument(help="The approval id.")],
    decision: Annotated[str, typer.Argument(help="approve, reject or edit.")],
    args: Annotated[str | None, typer.Option("--args", help="JSON object: the arguments to change (edit).")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Edit: a different action id.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")] = None,
    role: Annotated[Role, typer.Option("--as", help="The role you approve as.")] = Role.sales_manager,
    user: Annotated[str | None, typer.Option("--user", help="Your user id (default: the OS user).")] = None,
    json_out: JsonOpt = False,
    tenant: TenantOpt = "default",
) -> None:
    """Decide one approval; its thread resumes in this process and runs what was approved, once."""
    if decision not in ("approve", "reject", "edit"):
        raise typer.BadParameter("approve, reject or edit", param_hint="DECISION")
    edited: dict[str, Any] | None = None
    if args is not None:
        try:
            edited = json.loads(args)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not JSON: {exc}", param_hint="--args") from exc
        if not isinstance(edited, dict):
            raise typer.BadParameter("a JSON object", param_hint="--args")
    if decision == "edit" and edited is None and action is None:
        raise typer.BadParameter("an edit needs --args or --action", param_hint="--args")
    caller = Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=tenant, role=role)
    settings = get_settings()
    try:
        gateway = build_gateway(settings)
        with open_checkpointer(settings) as checkpointer:
            result = decide_approval(settings=settings, gateway=gateway, checkpointer=checkpointer, caller=caller,
                                     approval_id=approval_id, verdict=decision,  # type: ignore[arg-type]
                                     edited_args=edited, edited_action=action, reason=reason)
    except GatewayError as error:
        raise fail(error) from error
    _print_decision(result, json_out=json_out)


def _print_decision(result: InboxDecision, *, json_out: bool) -> None:
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    console = stdout()
    console.print(result.message_ar, markup=False, highlight=False)
    if result.outcome is not None:
        console.print(f"{result.outcome} · {result.draft_id or ''}".strip(" ·"), markup=False)
    if result.follow_up:
        console.print(f"ما زالت {len(result.follow_up)} موافقة معلّقة في هذا المسار.")


# ------------------------------------------------------------------------------------ the demo
_DEMO_ATTEMPTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("targeting_analyst", "linkedin.scrape", {"query": "marketing managers in Riyadh"}),
    ("execution_governor", "whatsapp.send", {"to": "0501234567", "body": "عرض خاص لكم"}),
    ("saudi_copywriter", "gmail.send", {"to": "sara@rowad-marketing.sa", "subject": "مرحباً", "body": "..."}),
    ("execution_governor", "moyasar.charge", {"amount_sar": 5000}),
)


def demo_leads_path() -> Path:
    return Path(str(resources.files("graphs").joinpath("data/demo_leads.csv")))


def run_demo(settings: Settings | None = None, *, leads: Path | None = None, top: int = 5,
             tenant: str = "demo") -> StartResult:
    """A non-interactive walkthrough: ranked targets, drafts, pending approvals, blocked attempts."""
    settings = settings or get_settings()
    console = stdout()
    ctx = build_context(settings, tenant, gateway=build_gateway(settings))
    with open_checkpointer(settings) as checkpointer:
        result = start_autopilot(ctx, checkpointer, leads or demo_leads_path(), top)
        state = _thread_values(ctx, checkpointer, result.thread_id)
    console.rule("١. الفرص المرتّبة · ranked targets")
    table = Table()
    for column in ("#", "company", "channel", "score", "why"):
        table.add_column(column, overflow="fold")
    for target in state.get("targets") or []:
        table.add_row(str(target.rank), target.company_name, target.channel, str(target.score), target.why_ar)
    console.print(table)
    console.print(f"الأسطر المقروءة: {result.leads_read} — المكرر مدموج، ومن لا يجوز التواصل معه مستبعد.")
    console.rule("٢. المسودات · drafts (guarded, nothing sent)")
    for approval in result.pending[:2]:
        args = approval.action_request.args
        console.print(f"[bold]{approval.action_request.action}[/] → {args.get('to')}", highlight=False)
        if args.get("subject"):
            console.print(f"الموضوع: {args['subject']}", markup=False)
        console.print(str(args.get("body", "")), markup=False, highlight=False)
        console.print()
    console.rule("٣. بانتظار الموافقة · pending approvals")
    _print_approvals(result.pending)
    console.rule("٤. محاولات محظورة · blocked attempts")
    for skill, action, args in _DEMO_ATTEMPTS:
        blocked = ctx.gateway.invoke(ToolCall(tenant=tenant, skill=skill, action=action, args=args,
                                              thread_id=result.thread_id, tool_call_id=f"demo:{action}",
                                              contact_id="demo-contact"))
        console.print(f"[red]✗[/] {action} ({blocked.decision.reason_code})", highlight=False)
        console.print(f"   {blocked.decision.reason_ar}", markup=False, highlight=False)
    console.rule()
    console.print(f"thread {result.thread_id} · dealix approvals list --tenant {tenant} · "
                  f"dealix approvals decide <id> approve --tenant {tenant}", markup=False, highlight=False)
    return result


def _thread_values(ctx: Any, checkpointer: Any, thread_id: str) -> dict[str, Any]:
    from graphs.autopilot import build_autopilot_graph
    from graphs.checkpoint import thread_config

    graph = build_autopilot_graph(checkpointer)
    return dict(graph.get_state(thread_config(thread_id, tenant=ctx.tenant)).values)
