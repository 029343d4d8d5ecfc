"""``dealix growth``: the daily plan, its approvals, experiments and the weekly learning report.

Every command works from a fresh process: plans live in the checkpointer and the growth store,
approvals and the ledger in the gateway's database.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.markup import escape
from rich.table import Table

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.growth import DailyPlanView, build_plan_context, decide_in_plan, plan_view, start_daily_plan
from skills.growth.catalog import load_growth_catalog
from skills.growth.render import render_html, render_markdown
from skills.growth.repository import GrowthRepository
from skills.growth.service import build_growth_service, growth_db_path
from skills.targeting.factory import DEFAULT_TENANT, build_service, demo_service
from tools.errors import GatewayError
from tools.models import Caller, Role
from tools.saudi_time import system_clock

growth_app = typer.Typer(help="Self-growth loop: the daily plan, experiments and the weekly learning report.",
                         no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]
_clock: Callable[[], datetime] = system_clock


@growth_app.command("weekly-report")
def weekly_report(
    format: Annotated[Literal["md", "html", "json"], typer.Option("--format", help="md, html or json.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", dir_okay=False, help="Write to this file.")] = None,
    week_of: Annotated[str | None, typer.Option("--week-of", help="Any day of the week, YYYY-MM-DD.")] = None,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """The weekly learning report (Sunday to Saturday, Asia/Riyadh): best and worst, objections, next steps,
    and the eight scores with their formulas."""
    try:
        day = date.fromisoformat(week_of) if week_of else None
    except ValueError as exc:
        raise typer.BadParameter("YYYY-MM-DD", param_hint="--week-of") from exc
    try:
        settings = get_settings()
        growth = build_growth_service(settings, tenant=tenant, gateway=build_gateway(settings, clock=_clock),
                                      clock=_clock)
        report = growth.weekly_report(day)
    except GatewayError as error:
        raise fail(error) from error
    if format == "json":
        text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
    else:
        text = render_html(report) if format == "html" else render_markdown(report)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        stdout().print(_text("report_written", path=out), markup=False, highlight=False)
    else:
        stdout().out(text, highlight=False)


@growth_app.command("daily-plan")
def daily_plan(
    demo: Annotated[bool, typer.Option("--demo", help="Plan over the bundled sample leads.")] = False,
    show: Annotated[str | None, typer.Option("--show", help="Show this plan (thread id) instead of starting one; "
                                                            "'latest' for the latest.")] = None,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Start today's plan: 20 safe prospects, the top 10, cards, drafts waiting for approval."""
    settings = get_settings()
    settings.ensure_data_dir()
    targeting = demo_service(clock=_clock, tenant=tenant) if demo else build_service(settings, tenant=tenant,
                                                                                       clock=_clock)
    repository = GrowthRepository(growth_db_path(settings))
    try:
        ctx = build_plan_context(settings, tenant, targeting=targeting, growth=repository,
                                 gateway=build_gateway(settings, clock=_clock), clock=_clock)
        with open_checkpointer(settings) as checkpointer:
            if show is not None:
                view = plan_view(ctx, checkpointer, None if show == "latest" else show)
            else:
                view = start_daily_plan(ctx, checkpointer)
    except GatewayError as error:
        raise fail(error) from error
    finally:
        repository.close()
    if json_out:
        print_json(view.model_dump(mode="json"))
    else:
        _show_plan(view, tenant)


def _text(key: str, **values: object) -> str:
    return load_growth_catalog().messages.cli[key].format(**values)


def _show_plan(view: DailyPlanView, tenant: str) -> None:
    console = stdout()
    catalog = load_growth_catalog()
    console.print(_text("plan_title", day=view.day.isoformat(), thread=view.thread_id), markup=False,
                  highlight=False)
    console.print(_text("plan_counts", pool=len(view.pool), top=len(view.steps), cards=view.cards,
                        drafts=view.drafts), markup=False)
    table = Table(title=_text("picks_title"), show_lines=True)
    for column in ("#", "company", "channel", "step"):
        table.add_column(column, overflow="fold")
    for step in view.steps:
        what = (_text("draft_waiting", channel=catalog.channel_ar(step.draft_channel)) if step.draft_channel
                else step.manual_step_ar or "")
        table.add_row(str(step.rank), escape(step.company_name), catalog.channel_ar(step.recommended_channel),
                      escape(what))
    console.print(table)
    if not view.steps:
        console.print(_text("no_picks"), markup=False)
    for approval in view.pending:
        args = approval.action_request.args
        summary = escape(str(args.get("subject") or args.get("body", ""))[:60])
        console.print(f"[bold]{approval.approval_id}[/] {approval.action_request.action} → {summary}",
                      highlight=False)
    for followup in view.followups:
        console.print(f"↻ {followup.company_name}: {followup.reason_ar}", markup=False, highlight=False)
    if view.scorecard is not None:
        for score in view.scorecard.scores.scores:
            value = f"{score.value}/100" if score.value is not None else _text("no_data")
            console.print(f"{score.name_ar} ({score.name_en}): {value}", markup=False)
    elif view.pending:
        console.print(_text("decide_hint", tenant=tenant), markup=False, highlight=False)


@growth_app.command("decide")
def decide(
    approval_id: Annotated[str, typer.Argument(help="The approval id of one of the plan's drafts.")],
    decision: Annotated[str, typer.Argument(help="approve, reject or edit.")],
    args: Annotated[str | None, typer.Option("--args", help="Edit: JSON object of the arguments to change.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")] = None,
    role: Annotated[Role, typer.Option("--as", help="The role you approve as.")] = Role.sales_manager,
    user: Annotated[str | None, typer.Option("--user", help="Your user id (default: the OS user).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="The plan was started with --demo.")] = False,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Answer one approval of a daily plan; the plan resumes, and ends in its scorecard once all are answered."""
    if decision not in ("approve", "reject", "edit"):
        raise typer.BadParameter("approve, reject or edit", param_hint="DECISION")
    edited = _edited_args(args)
    if decision == "edit" and edited is None:
        raise typer.BadParameter("an edit needs --args", param_hint="--args")
    settings = get_settings()
    settings.ensure_data_dir()
    caller = Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=tenant, role=role)
    targeting = demo_service(clock=_clock, tenant=tenant) if demo else build_service(settings, tenant=tenant,
                                                                                       clock=_clock)
    repository = GrowthRepository(growth_db_path(settings))
    try:
        ctx = build_plan_context(settings, tenant, targeting=targeting, growth=repository, caller=caller,
                                 gateway=build_gateway(settings, clock=_clock), clock=_clock)
        with open_checkpointer(settings) as checkpointer:
            result = decide_in_plan(ctx, checkpointer, approval_id, decision,  # type: ignore[arg-type]
                                    edited_args=edited, reason=reason)
    except GatewayError as error:
        raise fail(error) from error
    finally:
        repository.close()
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    stdout().print(result.message_ar, markup=False, highlight=False)
    _show_plan(result.plan, tenant)


def _edited_args(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        edited = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--args") from exc
    if not isinstance(edited, dict):
        raise typer.BadParameter("a JSON object", param_hint="--args")
    return edited


@growth_app.command("experiments")
def experiments(json_out: JsonOpt = False, tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Each experiment with its counts, p-values, 95% intervals and verdict (no winner below the minimum sample)."""
    try:
        settings = get_settings()
        growth = build_growth_service(settings, tenant=tenant, gateway=build_gateway(settings, clock=_clock),
                                      clock=_clock)
        analyses = [growth.experiments.analyse(e.experiment_id) for e in growth.experiments.experiments()]
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json([a.model_dump(mode="json") for a in analyses])
        return
    console = stdout()
    if not analyses:
        console.print(_text("no_experiments"), markup=False)
    for analysis in analyses:
        experiment = analysis.experiment
        console.print(f"[bold]{experiment.name_ar}[/] ({experiment.experiment_id}, {experiment.status})",
                      highlight=False)
        for variant in analysis.variants:
            rate = f"{variant.rate:.1%}" if variant.rate is not None else "-"
            console.print(f"  {variant.variant_id}: {variant.successes}/{variant.n} ({rate})", markup=False)
        for c in analysis.comparisons:
            console.print(f"  {c.variant_id} vs {c.control_id}: {c.method} p={c.p_value:.4f} (adj {c.p_adjusted:.4f})"
                          f" diff={c.difference:+.3f} CI95=[{c.ci_low:+.3f}, {c.ci_high:+.3f}] h={c.cohens_h:+.3f}",
                          markup=False)
        console.print(f"  {analysis.message_ar}", markup=False, highlight=False)


__all__ = ["growth_app"]
