"""``dealix policy``: the policy matrix, and one recorded decision."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway, build_recipients, open_store
from tools.canonical import canonical_action
from tools.errors import GatewayError
from tools.models import Caller, Role, ToolCall
from tools.policy import load_policy

OPERATOR_SKILL = "operator_console"

policy_app = typer.Typer(help="The action policy: what agents may do, and why.", no_args_is_help=True)


@policy_app.command("matrix")
def matrix(json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Every action in the policy with its default mode, approvers and Arabic reason."""
    try:
        policy = load_policy(get_settings().policy_file)
    except GatewayError as error:
        raise fail(error) from error
    rows = [
        {
            "action": action,
            "mode": rule.mode,
            "label_ar": rule.label_ar,
            "reason_ar": rule.reason_ar,
            "reason_en": rule.reason_en,
            "approver_roles": [r.value for r in rule.approver_roles],
            "requires_opt_in": rule.requires_opt_in,
            "live_flag": rule.live_flag,
        }
        for action, rule in sorted(policy.actions.items())
    ]
    unknown = policy.defaults.unknown_action
    rows.append({"action": "*", "mode": unknown.mode, "label_ar": "أي إجراء غير معروف",
                 "reason_ar": unknown.reason_ar, "reason_en": unknown.reason_en,
                 "approver_roles": [r.value for r in unknown.approver_roles], "requires_opt_in": False,
                 "live_flag": None})
    if json_out:
        print_json({"version": policy.version, "hash": policy.hash, "actions": rows})
        return
    table = Table(title=f"Dealix policy {policy.version}", caption=f"sha256 {policy.hash[:16]}")
    for column in ("action", "mode", "السبب"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["action"]), str(row["mode"]), str(row["reason_ar"]))
    stdout().print(table)


@policy_app.command("check")
def check(
    action: Annotated[str, typer.Argument(help="Action id, e.g. whatsapp.send")],
    contact: Annotated[str | None, typer.Option("--contact", help="Contact id the action reaches.")] = None,
    role: Annotated[Role, typer.Option("--role", help="Role of the operator asking.")] = Role.sales_manager,
    skill: Annotated[str | None, typer.Option(
        "--skill", help="Skill on whose behalf to ask (least privilege applies). Default: the operator console, "
        "which may ask about any action but never executes one.")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="Recipient address of an outreach (email or phone): checked against the lead.")] = None,
    tenant: Annotated[str, typer.Option("--tenant")] = "default",
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Ask the gateway what it would decide: a dry run, recorded in the audit log, that leaves nothing
    pending (no approval, no rate-limit count, no work unit)."""
    caller = Caller(user_id=f"cli:{role.value}", tenant=tenant, role=role)
    # A what-if question about the policy itself: the console skill may *ask* about this one action.
    # ``dry_run`` records the decision and does nothing else, so this grants nothing that can run.
    extra = {} if skill else {OPERATOR_SKILL: frozenset({canonical_action(action)})}
    try:
        settings = get_settings()
        store = open_store(settings)
        # The lead directory answers only about a recipient: without --to or --contact it is not opened.
        directory = build_recipients(settings, store=store) if (to or contact) else None
        gateway = build_gateway(settings, store=store, extra_skills=extra, recipients=directory,
                                lead_directory=directory is not None)
        result = gateway.dry_run(ToolCall(tenant=tenant, skill=skill or OPERATOR_SKILL, action=action,
                                          contact_id=contact, args={"to": to} if to else {},
                                          thread_id="cli", tool_call_id="policy-check"),
                                 actor=caller.user_id)
    except GatewayError as error:
        raise fail(error) from error
    decision = result.decision
    if json_out:
        print_json(decision.model_dump(mode="json"))
        return
    console = stdout()
    style = "red" if decision.mode == "blocked" else "yellow" if decision.approval_required else "green"
    console.print(f"[bold {style}]{decision.mode}[/] {decision.action}  ({decision.reason_code})")
    console.print(decision.reason_ar, markup=False)
    console.print(f"audit event {decision.audit_event} (dry run) · policy {decision.policy_version}", style="dim")
    if decision.approval_required and role not in gateway.policy.rule(decision.action).approver_roles:
        console.print("دورك لا يخوّلك اعتماد هذا الإجراء.", style="yellow", markup=False)
