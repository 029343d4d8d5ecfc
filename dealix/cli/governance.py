"""``dealix governance``: the approval centre, contradictions, the compliance matrix and the executive room."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from pydantic import BaseModel

from dealix.cli.output import fail, print_json, stdout
from dealix.cli.proof import parse_day
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.governance.catalog import load_forecast, load_governance
from skills.governance.enablement import ConnectorSwitchDesk
from skills.governance.models import (
    ApprovalCentre,
    ComplianceReport,
    ContradictionReport,
    ForecastReport,
    Granularity,
    SweepReport,
)
from skills.governance.routing import ModelRoutingReport, ModelRoutingView, load_routing_texts
from skills.governance.service import GovernanceDesk, build_desk
from skills.pipeline.intake import record_deal
from skills.pipeline.stages import Track
from skills.proof.errors import ProofError
from tools.errors import GatewayError
from tools.models import Caller, Role
from tools.saudi_time import system_clock

governance_app = typer.Typer(help="Governance: approval SLAs, contradictions, Saudi compliance, executive room.",
                             no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of the Arabic summary.")]


def _desk(tenant: str) -> GovernanceDesk:
    settings = get_settings()
    return build_desk(settings, tenant, gateway=build_gateway(settings))


def _say(text: str) -> None:
    stdout().print(text, markup=False, highlight=False)


def _json(model: BaseModel) -> None:
    print_json(model.model_dump(mode="json"))


@governance_app.command("approvals-sla")
def approvals_sla(tenant: TenantOpt = "default", as_json: JsonOpt = False,
                  sweep: Annotated[bool, typer.Option("--sweep", help="Expire what is past its expiry and "
                                                                      "escalate breached approvals first.")] = False,
                  ) -> None:
    """Pending approvals with age and SLA in Saudi business hours; --sweep escalates and expires."""
    desk = _desk(tenant)
    swept = desk.sweep() if sweep else None
    centre = desk.approvals()
    if as_json:
        print_json({"sweep": swept.model_dump(mode="json") if swept else None, **centre.model_dump(mode="json")})
        return
    _print_centre(centre, swept)


def _print_centre(centre: ApprovalCentre, swept: SweepReport | None) -> None:
    texts = load_governance().texts
    if swept is not None:
        _say(texts.cli.swept.format(escalated=len(swept.escalated), expired=len(swept.expired),
                                    cards=swept.cards_published))
    _say(texts.cli.approvals.format(pending=len(centre.pending), breached=centre.breached))
    for view in centre.pending:
        mark = texts.cli.breach_mark.format(role=view.escalate_to.value) if view.escalate_to else ""
        _say(texts.cli.approval_row.format(action_label=view.action_label_ar, risk=texts.risk[view.risk_level],
                                           age=f"{view.age_business_minutes / 60:.1f}",
                                           sla=f"{view.sla_business_minutes / 60:.1f}", breach=mark))


@governance_app.command("contradictions")
def contradictions(tenant: TenantOpt = "default", as_json: JsonOpt = False,
                   cards: Annotated[bool, typer.Option("--cards", help="Publish each as a risk card.")] = False,
                   ) -> None:
    """States that cannot both be right, with evidence and a proposed resolution."""
    report = _desk(tenant).contradictions(publish=cards)
    if as_json:
        _json(report)
        return
    _print_contradictions(report)


def _print_contradictions(report: ContradictionReport) -> None:
    texts = load_governance().texts.cli
    _say(texts.contradictions.format(count=len(report.contradictions)))
    if not report.contradictions:
        _say(texts.none)
    for item in report.contradictions:
        _say(texts.contradiction_row.format(title=item.title_ar, evidence=item.evidence_ar,
                                            resolution=item.resolution_ar))


@governance_app.command("compliance")
def compliance(tenant: TenantOpt = "default", as_json: JsonOpt = False) -> None:
    """The Saudi compliance matrix (PDPL, ZATCA, SDAIA, NCA) with each control's live status."""
    report = _desk(tenant).compliance()
    if as_json:
        _json(report)
        return
    _print_compliance(report)


def _print_compliance(report: ComplianceReport) -> None:
    texts = load_governance().texts.cli
    _say(texts.compliance.format(met=report.met, gaps=report.gaps, no_data=report.no_data))
    for control in report.controls:
        _say(texts.control_row.format(id=control.id, status=control.status_ar, requirement=control.requirement_ar))


@governance_app.command("connectors")
def connectors(tenant: TenantOpt = "default", as_json: JsonOpt = False,
               enable: Annotated[str | None, typer.Option("--enable", help="Switch an integration on for the "
                                                          "tenant (high risk: asks for an approval).")] = None,
               disable: Annotated[str | None, typer.Option("--disable", help="Switch an integration off for "
                                                           "the tenant, at once.")] = None,
               role: Annotated[Role, typer.Option("--as", help="The role you act as.")] = Role.growth_manager,
               user: Annotated[str | None, typer.Option("--user", help="Your user id (default: the OS user).")]
               = None,
               reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")] = None,
               ) -> None:
    """Per integration: phase, risk, state, whether credentials are present (never shown), runs and failures."""
    if enable or disable:
        _switch(tenant, enable, disable, Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=tenant,
                                                role=role), reason, as_json)
        return
    report = _desk(tenant).connectors()
    if as_json:
        _json(report)
        return
    texts = load_governance().texts
    _say(texts.cli.connectors.format(total=len(report.connectors), enabled=sum(c.enabled for c in report.connectors),
                                     failing=sum(c.failures > 0 for c in report.connectors)))
    labels = load_governance().labels("ar")
    for c in report.connectors:
        _say(texts.cli.connector_row.format(
            name=c.name, state=c.state, risk=texts.risk[c.risk_level], phase=c.launch_phase, runs=c.runs,
            failures=c.failures, credentials=labels["present"] if c.credentials_present else labels["missing"]))


@governance_app.command("executive-room")
def executive_room(tenant: TenantOpt = "default", as_json: JsonOpt = False) -> None:
    """The ceo's one view: decisions today, SLA breaches, top risks, proof this week, compliance, violations."""
    room = _desk(tenant).executive_room()
    if as_json:
        _json(room)
        return
    texts = load_governance().texts.cli
    _say(texts.room.format(decisions=len(room.decisions_today), waiting=room.approvals_waiting,
                           breaching=len(room.approvals_breaching), risks=room.contradictions,
                           proof=room.proof_week.units, blocked=room.violations.total))
    for item in room.top_risks:
        _say(texts.contradiction_row.format(title=item.title_ar, evidence=item.evidence_ar,
                                            resolution=item.resolution_ar))
    if room.forecast is not None:
        _print_forecast_rows(room.forecast, only=("closed", "current"))


@governance_app.command("forecast")
def forecast(tenant: TenantOpt = "default", as_json: JsonOpt = False,
             period: Annotated[Granularity, typer.Option("--period", help="week (Sunday–Saturday) or month.")]
             = "week",
             start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (Riyadh).")] = None,
             end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (Riyadh).")] = None,
             ) -> None:
    """Weighted pipeline forecast by stage and track against the proof ledger, with the gap explained."""
    try:
        report = _desk(tenant).forecast(period, parse_day(start, "--from"), parse_day(end, "--to"))
    except ProofError as error:
        raise fail(error) from error
    if as_json:
        _json(report)
        return
    _print_forecast(report)


def _print_forecast(report: ForecastReport) -> None:
    texts = load_forecast()
    _say(texts.cli.header.format(granularity=texts.cli.granularity[report.granularity], start=report.start,
                                 end=report.end))
    _say(report.forecast_basis_ar)
    _say(report.actual_source_ar)
    _print_forecast_rows(report)
    if report.referrals_without_deal:
        _say(texts.referrals_without_deal.ar.format(count=len(report.referrals_without_deal)))


def _print_forecast_rows(report: ForecastReport, only: tuple[str, ...] = ("closed", "current", "future")) -> None:
    texts = load_forecast()
    for p in (p for p in report.periods if p.state in only):
        pct = f" ({p.gap_pct:+.1f}%)" if p.gap_pct is not None else ""
        _say(texts.cli.row.format(label=p.label_ar, state=texts.state[p.state].ar, forecast=f"{p.forecast_sar:,.0f}",
                                  actual=f"{p.actual_sar:,.0f}", gap=f"{p.gap_sar:,.0f}", pct=pct))
        for line in p.explanation_ar[1:]:
            _say(f"  {line}")


@governance_app.command("deal")
def deal(deal_id: Annotated[str, typer.Argument(help="The deal's id (letters, digits, . _ : -).")],
         stage: Annotated[str, typer.Option("--stage", help="A stage of the track (see stages.yaml), won or lost.")],
         value: Annotated[str, typer.Option("--value", help="Expected contract value, SAR before VAT.")],
         close: Annotated[str, typer.Option("--close", help="Expected (or actual) close day, YYYY-MM-DD.")],
         company: Annotated[str | None, typer.Option("--company", help="The customer's company.")] = None,
         track: Annotated[Track | None, typer.Option("--track", help="direct, partner or expansion.")] = None,
         referral: Annotated[str | None, typer.Option("--referral", help="A partner referral id: the deal comes "
                                                                       "from it (track partner).")] = None,
         tenant: TenantOpt = "default", as_json: JsonOpt = False) -> None:
    """Record a deal's stage, value and expected close date in the deal book (a new revision)."""
    settings = get_settings()
    try:
        revision = record_deal(settings, tenant, deal_id=deal_id, stage=stage, value=value, close=close,
                               at=system_clock(), by="cli", company=company, track=track, referral=referral)
    except GatewayError as error:
        raise fail(error) from error
    if as_json:
        _json(revision)
        return
    _say(f"{revision.deal_id} · {revision.company_name} · {revision.track}/{revision.stage} · "
         f"{revision.value_sar:,.2f} · {revision.expected_close.isoformat()} (rev {revision.rev})")


def _switch(tenant: str, enable: str | None, disable: str | None, caller: Caller, reason: str | None,
            as_json: bool) -> None:
    """``--enable`` / ``--disable``: the tenant's own switch, through the gateway (see skills.governance.enablement)."""
    if enable and disable:
        raise typer.BadParameter("give --enable or --disable, not both")
    desk = _desk(tenant)
    switches = ConnectorSwitchDesk(tenant, gateway=desk.gateway, clock=desk.clock)
    labels = desk.config.console
    try:
        result = (switches.enable(enable, caller, reason=reason, unchanged_ar=labels["already_on"].ar) if enable
                  else switches.disable(str(disable), caller, reason=reason, unchanged_ar=labels["already_off"].ar))
    except GatewayError as error:
        raise fail(error) from error
    if as_json:
        _json(result)
        return
    suffix = f" ({result.approval_id})" if result.approval_id else ""
    _say(f"{result.integration}: {result.message_ar}{suffix}")


@governance_app.command("model-routing")
def model_routing(tenant: TenantOpt = "default", as_json: JsonOpt = False,
                  days: Annotated[int | None, typer.Option("--days", min=1, max=90,
                                                           help="Window in days (default 7).")] = None) -> None:
    """Per skill: the model route (primary, fallbacks, offline last), calls, failures, fallbacks, guard failures,
    tokens, p50/p95 latency and the estimated cost."""
    desk = _desk(tenant)
    report = ModelRoutingView(desk.tenant, gateway=desk.gateway, settings=desk.settings, clock=desk.clock).report(days)
    if as_json:
        _json(report)
        return
    _print_model_routing(report)


def _print_model_routing(report: ModelRoutingReport) -> None:
    texts = load_routing_texts()
    window = texts.console["window"].ar.format(days=report.window_days)
    _say(texts.cli.header.format(window=window, calls=report.calls, failures=report.failures,
                                 fallbacks=report.fallbacks, guard=report.guard_failures, health=report.health_ar))
    for s in report.skills:
        _say(texts.cli.row.format(skill=s.name_ar, route=" ← ".join(s.route), calls=s.calls, failures=s.failures,
                                  fallbacks=s.fallbacks, guard=s.guard_failures, tokens_in=s.input_tokens,
                                  tokens_out=s.output_tokens, p50=_ms(s.latency_p50_ms), p95=_ms(s.latency_p95_ms),
                                  cost=f"{s.cost_estimate_sar:.4f}"))
    _say(report.cost_note_ar)


def _ms(value: int | None) -> str:
    return "—" if value is None else str(value)
