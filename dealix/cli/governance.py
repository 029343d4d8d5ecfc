"""``dealix governance``: the approval centre, contradictions, the compliance matrix and the executive room."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import BaseModel

from dealix.cli.output import print_json, stdout
from skills.governance.catalog import load_governance
from skills.governance.models import ApprovalCentre, ComplianceReport, ContradictionReport, SweepReport
from skills.governance.service import build_desk

governance_app = typer.Typer(help="Governance: approval SLAs, contradictions, Saudi compliance, executive room.",
                             no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of the Arabic summary.")]


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
    desk = build_desk(tenant=tenant)
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
    report = build_desk(tenant=tenant).contradictions(publish=cards)
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
    report = build_desk(tenant=tenant).compliance()
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
def connectors(tenant: TenantOpt = "default", as_json: JsonOpt = False) -> None:
    """Per integration: phase, risk, state, whether credentials are present (never shown), runs and failures."""
    report = build_desk(tenant=tenant).connectors()
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
    room = build_desk(tenant=tenant).executive_room()
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
