"""``/api/v1/governance``: the approval centre with SLAs, contradictions, the compliance matrix and the
executive room. Scoped to the caller's tenant; each surface is open to the roles in
``skills/governance/data/governance.yaml`` (``access``), others get 403 ``role_not_allowed``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException

from api.deps import CallerDep, ServicesDep
from api.errors import error_detail, problem_responses
from api.schemas.governance import (
    ApprovalCentre,
    ComplianceReport,
    ConnectorReport,
    ContradictionReport,
    ExecutiveRoom,
    SweepReport,
)
from skills.governance.catalog import Surface
from skills.governance.service import GovernanceDesk

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


def install(app: FastAPI) -> None:
    app.include_router(router)
