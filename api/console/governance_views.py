"""``/console/governance``: the governance view of the console — executive room with the risk heatmap and
the policy-violations board, forecast vs actual (an inline SVG chart, no script), the approval centre,
contradictions and the compliance matrix.

Each section shows only when the session's role may open that surface (``access`` in
``skills/governance/data/governance.yaml``); everything is scoped to the session's tenant.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.console.errors import ConsoleRoute
from api.console.forecast_chart import forecast_chart
from api.console.render import lang_of, render
from api.console.routes import SessionDep
from api.console.routing_chart import routing_chart
from api.deps import ServicesDep
from skills.governance.dlq import DeadLetterDesk
from skills.governance.models import HeatCell
from skills.governance.routing import ModelRoutingView, load_routing_texts
from skills.governance.service import GovernanceDesk
from tools.deadletter import OPEN_STATUSES, load_dlq_settings
from tools.saudi_time import RIYADH

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
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
    forecast = (room.forecast if room and room.forecast else desk.forecast()) \
        if desk.may_open("forecast", caller.role) else None
    lang = lang_of(request)
    letters = DeadLetterDesk(caller.tenant, gateway=services.gateway, clock=services.clock).report(OPEN_STATUSES) \
        if desk.may_open("dead_letters", caller.role) else None
    dlq = load_dlq_settings()
    routing = ModelRoutingView(caller.tenant, gateway=services.gateway, settings=services.settings,
                               clock=services.clock).report() if desk.may_open("model_routing", caller.role) else None
    return render(request, "governance.html", model_routing=routing, mr=load_routing_texts().labels(lang),
                  routing_chart=routing_chart(routing, lang) if routing else None,
                  dead_letters=letters, dlq_status=dlq.texts.status,
                  can_force=caller.role in dlq.force_roles, can_switch=desk.may_open("connectors", caller.role),
                  csrf=session.csrf, caller=caller, path=request.url.path,
                  g=desk.config.labels(lang_of(request)), risk_ar=desk.config.texts.risk, room=room, centre=centre,
                  contradictions=found, compliance=compliance, connectors=connectors,
                  heat=heat_rows(room.heatmap) if room else [], scale=SCALE, tz=RIYADH, forecast=forecast,
                  chart=forecast_chart(forecast, lang) if forecast else None)


def install(app: FastAPI) -> None:
    app.include_router(router)
