"""``/api/v1/negotiation``: classify an objection, answer it (reply + close plan), draft the reply, and a demo.

``classify``, ``respond`` and ``drafts`` are scoped to the caller's tenant; ``respond`` records every
refusal and the suggestion itself in the tenant's audit log. ``drafts`` answers one lead's message
through the negotiation graph: the reply becomes an email or WhatsApp draft that waits in the
approvals inbox (``/api/v1/approvals``) and, once approved there, is written to the outbox, never
sent. The demo needs no key and records nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request

from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.schemas.negotiation import (
    ClassifyRequest,
    ClassifyResponse,
    DemoItem,
    DemoResponse,
    DraftRequest,
    DraftResponse,
    RespondRequest,
    RespondResponse,
)
from graphs.negotiation import build_negotiation_context, start_negotiation
from skills.negotiation.catalog import load_demo
from skills.negotiation.classifier import classify
from skills.negotiation.coach import NegotiationCoach
from skills.negotiation.factory import build_coach, demo_coach
from skills.negotiation.lead import deal_for_lead
from skills.targeting.factory import build_service

router = APIRouter(prefix="/api/v1/negotiation", tags=["negotiation"])


def get_coach(caller: CallerDep, services: ServicesDep) -> NegotiationCoach:
    return build_coach(services.settings, tenant=caller.tenant, gateway=services.gateway, clock=services.clock)


CoachDep = Annotated[NegotiationCoach, Depends(get_coach)]


@router.post("/classify", response_model=ClassifyResponse, responses=problem_responses(429))
def classify_objection(caller: CallerDep, request: ClassifyRequest) -> ClassifyResponse:
    """The objection class of one customer message, its confidence, and the cues behind it."""
    return ClassifyResponse(classification=classify(request.text))


@router.post("/respond", response_model=RespondResponse, responses=problem_responses(429, 503))
def respond(coach: CoachDep, request: RespondRequest) -> RespondResponse:
    """A checked reply (no guarantee, no discount first, scope and pilot first, a dated next step) and a close plan."""
    return RespondResponse(result=coach.respond(request.text, request.deal, seller_request=request.seller_request))


@router.post("/drafts", response_model=DraftResponse, status_code=201, responses=problem_responses(404, 429))
def draft_reply(caller: CallerDep, services: ServicesDep, request: DraftRequest) -> DraftResponse:
    """Answer a lead's message and propose the reply as an email or WhatsApp draft awaiting approval (never sent)."""
    targeting = build_service(services.settings, tenant=caller.tenant, clock=services.clock)
    try:
        deal = deal_for_lead(targeting.repository, caller.tenant, request.lead_id, request.channel)
    finally:
        targeting.repository.close()
    ctx = build_negotiation_context(services.settings, caller.tenant, caller=caller, gateway=services.gateway,
                                    clock=services.clock)
    with services.checkpointer() as checkpointer:
        run = start_negotiation(ctx, checkpointer, request.text, deal, seller_request=request.seller_request)
    return DraftResponse(draft=run)


@router.get("/demo", response_model=DemoResponse)
def demo(http: Request) -> DemoResponse:
    """Sample objections answered offline, and a hostile seller request refused (no key; nothing recorded)."""
    coach = demo_coach(clock=http.app.state.clock)
    data = load_demo()
    items = [DemoItem(text=text, result=coach.respond(text, data.deal)) for text in data.messages]
    hostile = DemoItem(text=data.hostile.text, seller_request=data.hostile.seller_request,
                       result=coach.respond(data.hostile.text, data.deal, seller_request=data.hostile.seller_request))
    return DemoResponse(deal=data.deal, items=items, hostile=hostile)


def install(app: FastAPI) -> None:
    app.include_router(router)
