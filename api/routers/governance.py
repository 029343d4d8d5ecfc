"""``/api/v1/governance``: the approval centre with SLAs, contradictions, the compliance matrix, the
executive room and forecast vs actual. Scoped to the caller's tenant; each surface is open to the roles in
``skills/governance/data/governance.yaml`` (``access``), others get 403 ``role_not_allowed``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi import Path as ApiPath

from api.deps import CallerDep, ServicesDep
from api.errors import error_detail, problem_responses
from api.schemas.governance import (
    ApprovalCentre,
    ComplianceReport,
    ConnectorReport,
    ContradictionReport,
    ExecutiveRoom,
    ForecastReport,
    SweepReport,
)
from skills.governance.catalog import Surface
from skills.governance.dlq import DeadLetterDesk, DeadLetterReport, DiscardRequest, RetryRequest
from skills.governance.enablement import ConnectorSwitchDesk, SwitchRequest, SwitchResult
from skills.governance.models import Granularity
from skills.governance.routing import ModelRoutingReport, ModelRoutingView
from skills.governance.service import GovernanceDesk
from skills.proof.errors import PeriodInvalid
from tools.deadletter import DeadLetter, DeadLetterRetry, LetterStatus

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])
_RESPONSES = problem_responses(403, 429)


def get_desk(caller: CallerDep, services: ServicesDep) -> GovernanceDesk:
    return GovernanceDesk(caller.tenant, gateway=services.gateway, settings=services.settings, clock=services.clock)


DeskDep = Annotated[GovernanceDesk, Depends(get_desk)]


def _open(desk: GovernanceDesk, surface: Surface, caller: CallerDep) -> GovernanceDesk:
    if not desk.may_open(surface, caller.role):
        raise HTTPException(status_code=403, detail=error_detail(
            "role_not_allowed", message_ar=desk.config.texts.role_refused,
            message_en=f"Role {caller.role.value} may not open governance/{surface}."))
    return desk


@router.get("/approvals-sla", response_model=ApprovalCentre, responses=_RESPONSES)
def approvals_sla(desk: DeskDep, caller: CallerDep) -> ApprovalCentre:
    """Pending approvals with age, risk and SLA in Saudi business time; bulk views; recent decisions."""
    return _open(desk, "approvals_sla", caller).approvals()


@router.post("/approvals-sla/sweep", response_model=SweepReport, responses=_RESPONSES)
def sweep(desk: DeskDep, caller: CallerDep) -> SweepReport:
    """Expire approvals past their expiry (a denial, audited) and escalate breached ones as risk cards."""
    return _open(desk, "approvals_sla", caller).sweep()


@router.get("/contradictions", response_model=ContradictionReport, responses=_RESPONSES)
def contradictions(desk: DeskDep, caller: CallerDep) -> ContradictionReport:
    """States that cannot both be right, each with its evidence and a proposed resolution."""
    return _open(desk, "contradictions", caller).contradictions()


@router.post("/contradictions/cards", response_model=ContradictionReport, responses=_RESPONSES)
def contradiction_cards(desk: DeskDep, caller: CallerDep) -> ContradictionReport:
    """Find the contradictions and publish each as a risk card (once) to the ceo's feed."""
    return _open(desk, "contradictions", caller).contradictions(publish=True)


@router.get("/compliance", response_model=ComplianceReport, responses=_RESPONSES)
def compliance(desk: DeskDep, caller: CallerDep) -> ComplianceReport:
    """The Saudi compliance matrix (Dealix's mapping) with each control's live status."""
    return _open(desk, "compliance", caller).compliance()


@router.get("/executive-room", response_model=ExecutiveRoom, responses=_RESPONSES)
def executive_room(desk: DeskDep, caller: CallerDep) -> ExecutiveRoom:
    """The ceo's one view: decisions today, SLA breaches, top risks, proof, compliance, heatmap, violations."""
    return _open(desk, "executive_room", caller).executive_room()


@router.get("/connectors", response_model=ConnectorReport, responses=_RESPONSES)
def connectors(desk: DeskDep, caller: CallerDep) -> ConnectorReport:
    """Per integration: launch phase, risk, state, credentials present (never shown), runs and error rate."""
    return _open(desk, "connectors", caller).connectors()


# A calendar a ledger can use (as the proof routes): dates near year 1 or 9999 overflow and mean nothing here.
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2075, 12, 31)
FromQuery = Annotated[date | None, Query(alias="from", ge=_FIRST_DAY, le=_LAST_DAY,
                                         description="First Riyadh day; default a few periods before today.")]
ToQuery = Annotated[date | None, Query(alias="to", ge=_FIRST_DAY, le=_LAST_DAY,
                                       description="Last Riyadh day, included; default a period or two ahead.")]
PeriodQuery = Annotated[Granularity, Query(alias="period", description="week (Sunday–Saturday, Riyadh) or month.")]


@router.get("/forecast", response_model=ForecastReport, responses=_RESPONSES)
def forecast(desk: DeskDep, caller: CallerDep, period: PeriodQuery = "week", start: FromQuery = None,
             end: ToQuery = None) -> ForecastReport:
    """Weighted pipeline forecast by stage and track against the proof ledger's actuals, with the gap explained."""
    opened = _open(desk, "forecast", caller)
    try:
        return opened.forecast(period, start, end)
    except PeriodInvalid as error:
        raise HTTPException(status_code=422, detail={"code": error.code, "message_ar": error.message_ar,
                                                     "message_en": error.message_en}) from error


# ---------------------------------------------------------------- dead-letter queue and connector switches
LetterId = Annotated[str, ApiPath(description="The dead letter's id, e.g. 'dlq_…'.", max_length=64)]
IntegrationName = Annotated[str, ApiPath(description="An integration of the registry, e.g. 'whatsapp_opt_in'.",
                                         max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
StatusQuery = Annotated[list[LetterStatus] | None, Query(alias="status", description="Only these statuses.")]


@router.get("/dead-letters", response_model=DeadLetterReport, responses=_RESPONSES)
def dead_letters(desk: DeskDep, caller: CallerDep, services: ServicesDep, status: StatusQuery = None,
                 ) -> DeadLetterReport:
    """Failed connector executions of your organisation: error (masked), attempts, next retry, status."""
    _open(desk, "dead_letters", caller)
    return DeadLetterDesk(caller.tenant, gateway=services.gateway, clock=services.clock).report(
        tuple(status) if status else None)


@router.post("/dead-letters/{letter_id}/retry", response_model=DeadLetterRetry,
             responses=problem_responses(403, 404, 409, 429))
def retry_dead_letter(letter_id: LetterId, desk: DeskDep, caller: CallerDep, services: ServicesDep,
                      body: RetryRequest | None = None) -> DeadLetterRetry:
    """Retry under the same effect key and approval (runs at most once); before it is due only with force."""
    _open(desk, "dead_letters", caller)
    return DeadLetterDesk(caller.tenant, gateway=services.gateway, clock=services.clock).retry(
        letter_id, caller, force=bool(body and body.force))


@router.post("/dead-letters/{letter_id}/discard", response_model=DeadLetter,
             responses=problem_responses(403, 404, 409, 429))
def discard_dead_letter(letter_id: LetterId, body: DiscardRequest, desk: DeskDep, caller: CallerDep,
                        services: ServicesDep) -> DeadLetter:
    """Never run it again; the reason is kept (masked) in the audit log."""
    _open(desk, "dead_letters", caller)
    return DeadLetterDesk(caller.tenant, gateway=services.gateway, clock=services.clock).discard(
        letter_id, caller, body.reason)


@router.post("/connectors/{name}/enable", response_model=SwitchResult, responses=problem_responses(403, 404, 409, 429))
def enable_connector(name: IntegrationName, desk: DeskDep, caller: CallerDep, services: ServicesDep,
                     body: SwitchRequest | None = None) -> SwitchResult:
    """Switch an integration on for your organisation; a high-risk one waits for another person's approval."""
    opened = _open(desk, "connectors", caller)
    return ConnectorSwitchDesk(caller.tenant, gateway=services.gateway, clock=services.clock).enable(
        name, caller, reason=body.reason if body else None, unchanged_ar=opened.config.console["already_on"].ar)


@router.post("/connectors/{name}/disable", response_model=SwitchResult,
             responses=problem_responses(403, 404, 409, 429))
def disable_connector(name: IntegrationName, desk: DeskDep, caller: CallerDep, services: ServicesDep,
                      body: SwitchRequest | None = None) -> SwitchResult:
    """Switch an integration off for your organisation, at once: its actions are refused from now on."""
    opened = _open(desk, "connectors", caller)
    return ConnectorSwitchDesk(caller.tenant, gateway=services.gateway, clock=services.clock).disable(
        name, caller, reason=body.reason if body else None, unchanged_ar=opened.config.console["already_off"].ar)


# ---------------------------------------------------------------- model routing
DaysQuery = Annotated[int | None, Query(ge=1, le=90, description="Window in days; default 7.")]


@router.get("/model-routing", response_model=ModelRoutingReport, responses=_RESPONSES)
def model_routing(desk: DeskDep, caller: CallerDep, services: ServicesDep, days: DaysQuery = None,
                  ) -> ModelRoutingReport:
    """Per skill: its model route (primary, fallbacks, offline last) and its calls, model failures, fallbacks,
    guard failures, tokens, p50/p95 latency and estimated cost over the window."""
    _open(desk, "model_routing", caller)
    return ModelRoutingView(caller.tenant, gateway=services.gateway, settings=services.settings,
                            clock=services.clock).report(days)


def install(app: FastAPI) -> None:
    app.include_router(router)
