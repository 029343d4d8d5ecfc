"""``/console/governance``: the governance view of the console — executive room with the risk heatmap and
the policy-violations board, the approval centre, contradictions and the compliance matrix.

Each section shows only when the session's role may open that surface (``access`` in
``skills/governance/data/governance.yaml``); everything is scoped to the session's tenant.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.console.render import lang_of, render
from api.console.routes import SessionDep
from api.deps import ServicesDep
from skills.governance.models import HeatCell
from skills.governance.service import GovernanceDesk
from tools.saudi_time import RIYADH

router = APIRouter(prefix="/console", include_in_schema=False)
SCALE = (1, 2, 3, 4, 5)


def heat_rows(cells: list[HeatCell]) -> list[list[int]]:
    """A 5 x 5 grid of counts, impact 5 on top, likelihood 1..5 left to right."""
    counts = {(c.likelihood, c.impact): c.count for c in cells}
    return [[counts.get((lk, im), 0) for lk in SCALE] for im in reversed(SCALE)]


@router.get("/governance", response_class=HTMLResponse)
def governance(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    caller = session.record.caller
    desk = GovernanceDesk(caller.tenant, gateway=services.gateway, settings=services.settings, clock=services.clock)
    room = desk.executive_room() if desk.may_open("executive_room", caller.role) else None
    centre = desk.approvals() if desk.may_open("approvals_sla", caller.role) else None
    found = desk.contradictions() if desk.may_open("contradictions", caller.role) else None
    compliance = desk.compliance() if desk.may_open("compliance", caller.role) else None
    connectors = desk.connectors() if desk.may_open("connectors", caller.role) else None
    return render(request, "governance.html", csrf=session.csrf, caller=caller, path=request.url.path,
                  g=desk.config.labels(lang_of(request)), risk_ar=desk.config.texts.risk, room=room, centre=centre,
                  contradictions=found, compliance=compliance, connectors=connectors,
                  heat=heat_rows(room.heatmap) if room else [], scale=SCALE, tz=RIYADH)


def install(app: FastAPI) -> None:
    app.include_router(router)
