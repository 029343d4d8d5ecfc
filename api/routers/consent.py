"""``/api/v1/consent``: record an opt-in or an opt-out for a phone or an email, and look one up.

Scoped to the caller's tenant. Anyone signed in may record an opt-out (stopping is always safe);
an opt-in opens a channel, so only the roles in :data:`OPT_IN_ROLES` may record it, others get 403
``role_not_allowed``. Every change is audited by the consent book (who, when, source, lawful basis;
the address pseudonymised). The address travels in the body, never in the URL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from api.deps import CallerDep, ServicesDep
from api.errors import error_detail, problem_response, problem_responses
from api.schemas.consent import (
    ConsentChangeResponse,
    ConsentViewResponse,
    LookupRequest,
    OptInRequest,
    OptOutRequest,
)
from skills.targeting.factory import build_service
from tools.consent import normalise_address
from tools.consent_book import ConsentBook, ConsentError
from tools.models import Caller, Role

router = APIRouter(prefix="/api/v1/consent", tags=["consent"])

OPT_IN_ROLES = frozenset({Role.ceo, Role.sales_manager, Role.growth_manager, Role.agency_partner, Role.support,
                          Role.service_delivery})
_STATUS = {"invalid_address": 422, "channel_mismatch": 422, "empty_source": 422, "opted_out": 409}


def get_book(services: ServicesDep) -> ConsentBook:
    return ConsentBook(services.gateway.store, services.gateway.audit, clock=services.clock,
                       registry=services.gateway.consent)


BookDep = Annotated[ConsentBook, Depends(get_book)]


def _lead_ids(caller: Caller, services: ServicesDep, address: str) -> list[str]:
    service = build_service(services.settings, tenant=caller.tenant, clock=services.clock)
    return service.leads_with_address(normalise_address(address))


def consent_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ConsentError)
    return problem_response(_STATUS.get(error.code, 400), error.code, request=request, message_ar=error.message_ar,
                            message_en=error.message_en)


@router.post("/opt-in", response_model=ConsentChangeResponse, status_code=201,
             responses=problem_responses(403, 409))
def opt_in(body: OptInRequest, caller: CallerDep, services: ServicesDep, book: BookDep) -> ConsentChangeResponse:
    """Record that the person agreed to be contacted on a channel (refused over a standing opt-out unless renewed)."""
    if caller.role not in OPT_IN_ROLES:
        raise HTTPException(status_code=403, detail=error_detail(
            "role_not_allowed", message_ar="دورك لا يخوّلك تسجيل موافقة على التواصل.",
            message_en=f"Role {caller.role.value} may not record an opt-in."))
    change = book.opt_in(caller.tenant, body.address, body.channel, source=body.source, actor=caller.user_id,
                         basis=body.basis, lead_ids=_lead_ids(caller, services, body.address), renewed=body.renewed)
    return ConsentChangeResponse(change=change)


@router.post("/opt-out", response_model=ConsentChangeResponse, status_code=201, responses=problem_responses())
def opt_out(body: OptOutRequest, caller: CallerDep, services: ServicesDep, book: BookDep) -> ConsentChangeResponse:
    """Record that the person asked not to be contacted (one channel, or all). It always wins."""
    change = book.opt_out(caller.tenant, body.address, body.channel, source=body.source, actor=caller.user_id,
                          lead_ids=_lead_ids(caller, services, body.address))
    return ConsentChangeResponse(change=change)


@router.post("/lookup", response_model=ConsentViewResponse, responses=problem_responses())
def lookup(body: LookupRequest, caller: CallerDep, services: ServicesDep, book: BookDep) -> ConsentViewResponse:
    """Where the address stands on each channel, and every consent event behind it."""
    view = book.view(caller.tenant, body.address, _lead_ids(caller, services, body.address))
    return ConsentViewResponse(consent=view)


def install(app: FastAPI) -> None:
    """Register the router and its error handler on a FastAPI app."""
    app.include_router(router)
    app.add_exception_handler(ConsentError, consent_error_response)
