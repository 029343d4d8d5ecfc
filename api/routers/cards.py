"""``/api/v1/cards``: a role's command feed, decisions on cards, and their WhatsApp rendering.

Everything is scoped to the authenticated caller's tenant; the approver of a decision is the
caller, never a field of the body. Domain errors become ``HTTPException`` with
``{"code", "message_ar", "message_en"}`` here, in one place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import CallerDep, ServicesDep
from api.schemas.cards import (
    CardDecisionRequest,
    CardResponse,
    DecisionResponse,
    FeedResponse,
    ReplyRequest,
    ReplyResponse,
    WhatsAppResponse,
)
from api.services import Services
from dealix.settings import Settings
from graphs.cards import build_card_service, build_decider
from skills.cards.build import todays_targets
from skills.cards.decisions import CardDecider
from skills.cards.errors import ButtonNotOnCard, EditNeedsArgs, role_may_not_decide
from skills.cards.feed import visible_to
from skills.cards.feed_cache import FeedCache, FeedKey, feed_key
from skills.cards.models import Card, CardType
from skills.cards.replies import parse_reply
from skills.cards.service import CardService, PublishReport
from skills.cards.whatsapp import render_card
from tools.errors import ApprovalError, ArgumentsError, ConnectorError, GatewayError, NotFound, RoleNotAllowed
from tools.models import Caller, Role

router = APIRouter(prefix="/api/v1/cards", tags=["cards"])

_ERROR = {"description": "An error with a stable code and an Arabic message."}
_RESPONSES: dict[int | str, dict[str, Any]] = {401: _ERROR, 403: _ERROR, 404: _ERROR, 409: _ERROR, 422: _ERROR}
# No pattern: an id that is not one of the tenant's cards is simply not found (404), whatever its shape.
CardId = Annotated[str, Path(max_length=100, description="The card's id, e.g. 'card_…'.")]


@dataclass
class CardDesk:
    service: CardService
    decider: CardDecider
    settings: Settings
    feeds: FeedCache


def _build_desk(services: Services, tenant: str) -> CardDesk:
    service = build_card_service(services.settings, tenant, gateway=services.gateway, clock=services.clock)
    return CardDesk(service=service, decider=build_decider(services.settings, service), settings=services.settings,
                    feeds=FeedCache(service, max_age_seconds=services.settings.card_feed_max_age_seconds))


def cached_desk(state: Any, services: Services, tenant: str) -> CardDesk | None:
    """The tenant's desk if it was built already (``state`` is the app's ``state``)."""
    desks: dict[tuple[int, str], CardDesk] = state.card_desks
    return desks.get((id(services), tenant))


def feed_body(feed: bytes, report: PublishReport | None = None) -> bytes:
    """A ``FeedResponse`` as JSON bytes around a rendered ``Feed``; no report: nothing was refreshed."""
    refreshed = _NOTHING_REFRESHED if report is None else report.model_dump_json().encode()
    return b'{"feed":' + feed + b',"refreshed":' + refreshed + b"}"


def _desk(request: Request, services: Services, tenant: str) -> CardDesk:
    """The tenant's desk over the app's shared gateway, built once per tenant and reused (it holds no caller)."""
    desk = cached_desk(request.app.state, services, tenant)
    if desk is None:
        with _BUILDING:
            desk = cached_desk(request.app.state, services, tenant)
            if desk is None:
                desk = request.app.state.card_desks[(id(services), tenant)] = _build_desk(services, tenant)
    return desk


_BUILDING = threading.Lock()


def get_desk(request: Request, services: ServicesDep, caller: CallerDep) -> CardDesk:
    """The caller's tenant's cards, over the app's shared gateway (its store, its clock)."""
    return _desk(request, services, caller.tenant)


DeskDep = Annotated[CardDesk, Depends(get_desk)]
_JSON = "application/json"
_NOTHING_REFRESHED = PublishReport().model_dump_json().encode()


def http_error(error: GatewayError) -> HTTPException:
    """Cards' domain errors to HTTP: 404 not found, 403 role, 422 bad press, 409 state (a button the card
    does not offer now, a decided approval), 502 connector."""
    if isinstance(error, NotFound):
        status = 404
    elif isinstance(error, RoleNotAllowed):
        status = 403
    elif isinstance(error, EditNeedsArgs | ArgumentsError):
        status = 422
    elif isinstance(error, ButtonNotOnCard | ApprovalError):
        status = 409
    elif isinstance(error, ConnectorError):
        status = 502
    else:
        status = 400
    return HTTPException(status_code=status, detail={"code": error.code, "message_ar": error.message_ar,
                                                     "message_en": error.message_en})


def _visible_card(desk: CardDesk, caller: Caller, card_id: str) -> Card:
    try:
        card = desk.service.card(card_id)
        if not visible_to(card, caller.role, desk.service.texts):
            raise role_may_not_decide(caller.role.value)
    except GatewayError as error:
        raise http_error(error) from error
    return card


@router.get("/feed", response_model=FeedResponse, responses=_RESPONSES)
async def feed(
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    role: Annotated[Role | None, Query(description="Whose feed; the caller's role by default.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many cards.")] = 20,
    card_type: Annotated[list[CardType] | None, Query(alias="type", description="Only these card types.")] = None,
    opportunities: Annotated[bool, Query(description="Also rank the tenant's leads into opportunity cards "
                                                     "(slower on large lead books).")] = False,
) -> Response:
    """The role's open cards, most pressing first, built from the current state (approvals, blocked attempts).

    Served from the stored cards; they are re-synced from the gateway when its store changed since
    the last sync (a decision, a new approval, a blocked attempt) and at least every
    ``DEALIX_CARD_FEED_MAX_AGE_SECONDS``. ``refreshed`` counts what this call's sync changed (zero
    when nothing had changed)."""
    wanted = role or caller.role
    if wanted != caller.role and caller.role != Role.ceo:
        raise HTTPException(status_code=403, detail={
            "code": "feed_role_not_allowed",
            "message_ar": "يمكنك عرض بطاقات دورك فقط؛ يستطيع الرئيس التنفيذي عرض بطاقات كل الأدوار.",
            "message_en": "You may only view your own role's feed; the CEO may view any."})
    if opportunities:
        return await run_in_threadpool(_feed_with_opportunities, request, services, caller, wanted, limit, card_type)
    key = feed_key(wanted, limit, card_type)
    desk = cached_desk(request.app.state, services, caller.tenant)
    body = desk.feeds.cached(key) if desk is not None else None
    if body is not None:  # nothing changed since this feed was rendered (api.fast_feed serves most of these)
        return Response(feed_body(body), media_type=_JSON)
    return await run_in_threadpool(_render_feed, request, services, caller.tenant, key)


def _render_feed(request: Request, services: Services, tenant: str, key: FeedKey) -> Response:
    body, report = _desk(request, services, tenant).feeds.render(key)
    return Response(feed_body(body, report), media_type=_JSON)


def _feed_with_opportunities(request: Request, services: Services, caller: Caller, role: Role, limit: int,
                             card_type: list[CardType] | None) -> Response:
    """Today's ranked leads are not covered by the store's version: this path syncs every time."""
    desk = _desk(request, services, caller.tenant)
    service = desk.service
    refreshed = service.sync(targets=todays_targets(desk.settings, caller.tenant, clock=service.clock))
    desk.feeds.invalidate()
    response = FeedResponse(feed=service.feed(role, limit=limit, types=card_type), refreshed=refreshed)
    return Response(response.model_dump_json().encode(), media_type=_JSON)


@router.get("/{card_id}", response_model=CardResponse, responses=_RESPONSES)
def get_card(card_id: CardId, desk: DeskDep, caller: CallerDep) -> CardResponse:
    """One card of the caller's tenant (404 for any other tenant's card)."""
    return CardResponse(card=_visible_card(desk, caller, card_id))


@router.post("/{card_id}/decision", response_model=DecisionResponse, responses=_RESPONSES)
def decide(card_id: CardId, body: CardDecisionRequest, desk: DeskDep, caller: CallerDep) -> DecisionResponse:
    """Press a button: the decision is the caller's; a second press changes nothing."""
    try:
        return DecisionResponse(result=desk.decider.decide(card_id, caller, body))
    except GatewayError as error:
        raise http_error(error) from error


@router.get("/{card_id}/whatsapp", response_model=WhatsAppResponse, responses=_RESPONSES)
def whatsapp(card_id: CardId, desk: DeskDep, caller: CallerDep) -> WhatsAppResponse:
    """The card as a WhatsApp text brief and interactive message (rendered only; nothing is sent)."""
    return WhatsAppResponse(whatsapp=render_card(_visible_card(desk, caller, card_id), desk.service.texts))


@router.post("/{card_id}/reply", response_model=ReplyResponse, responses=_RESPONSES)
def reply(card_id: CardId, body: ReplyRequest, desk: DeskDep, caller: CallerDep) -> ReplyResponse:
    """A WhatsApp-style reply ('1', '٢', 'موافق', a button id) to a card: decided if it matches, else explained."""
    card = _visible_card(desk, caller, card_id)
    match = parse_reply(card, body.text, desk.service.texts)
    if not match.matched:
        return ReplyResponse(match=match)
    request = CardDecisionRequest(button_id=match.button_id, reason=body.reason)
    try:
        return ReplyResponse(match=match, result=desk.decider.decide(card_id, caller, request))
    except GatewayError as error:
        raise http_error(error) from error


def install(app: FastAPI) -> None:
    """Register the router on a FastAPI app."""
    app.include_router(router)
