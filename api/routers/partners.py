"""``/api/v1/partners``: suggestions, scorecards, offers, meeting briefs, message drafts and revenue.

Every route is scoped to the caller's tenant (``CallerDep``). Suggestions are recorded with the
gateway (``partner.suggest``, internal). A message draft runs the partner graph: the draft waits
for a person's approval (``POST .../message-draft/{approval_id}/decision``) before anything is
placed in a mailbox; nothing is ever sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CallerDep, ServicesDep
from api.errors import problem_response, problem_responses
from api.schemas.partners import (
    AgreementRequest,
    AgreementResponse,
    BriefRequest,
    BriefResponse,
    DealRequest,
    DealResponse,
    DecisionRequest,
    DecisionResponse,
    MessageDraftRequest,
    MessageDraftResponse,
    OfferRequest,
    OfferResponse,
    ReferralRequest,
    ReferralResponse,
    RevenueResponse,
    ScoreRequest,
    ScoreResponse,
    SuggestionsResponse,
)
from graphs.partners import build_partners_context, decide_partner_draft, start_partner_outreach
from skills.partners.errors import PartnerError
from skills.partners.factory import build_service
from skills.partners.offers import build_terms
from skills.partners.service import PartnerService

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])

_STATUS = {"unknown_partner": 404, "referral_not_found": 404, "commission_not_found": 404,
           "offer_out_of_bounds": 422, "amount_invalid": 422, "whatsapp_without_opt_in": 409, "no_address": 409,
           "channel_refused": 409, "candidates_file_invalid": 400}


def get_service(caller: CallerDep, services: ServicesDep) -> PartnerService:
    return build_service(services.settings, tenant=caller.tenant, clock=services.clock, gateway=services.gateway)


ServiceDep = Annotated[PartnerService, Depends(get_service)]


def partner_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PartnerError)
    return problem_response(_STATUS.get(error.code, 400), error.code, request=request, message_ar=error.message_ar,
                            message_en=error.message_en)


@router.get("/suggestions", response_model=SuggestionsResponse, responses=problem_responses(429))
def suggestions(service: ServiceDep, top: Annotated[int, Query(ge=1, le=200)] = 10) -> SuggestionsResponse:
    """Partners ranked by an explainable scorecard (fit, reach, trust, overlap, revenue potential)."""
    return SuggestionsResponse(weights_version=service.catalog.scorecard.version, suggestions=service.suggest(top))


@router.post("/score", response_model=ScoreResponse, responses=problem_responses(404))
def score(service: ServiceDep, request: ScoreRequest) -> ScoreResponse:
    """The scorecard of one candidate on file, or of one given inline (nothing is stored)."""
    candidate = request.candidate or service.candidate(request.partner_id or "")
    return ScoreResponse(scorecard=service.score(candidate))


@router.post("/offer", response_model=OfferResponse, responses=problem_responses(404))
def offer(service: ServiceDep, request: OfferRequest) -> OfferResponse:
    """Referral, revenue share or co-delivery terms (rates within bounds; nothing is promised)."""
    return OfferResponse(offer=service.offer(request.partner_id, model=request.model, rate_pct=request.rate_pct,
                                             duration_months=request.duration_months))


@router.post("/meeting-brief", response_model=BriefResponse, responses=problem_responses(404))
def meeting_brief(service: ServiceDep, request: BriefRequest) -> BriefResponse:
    """An internal brief for a first meeting: why this partner, agenda, questions, offer, risks, slots."""
    return BriefResponse(brief=service.brief(request.partner_id, model=request.model))


@router.post("/message-draft", response_model=MessageDraftResponse, responses=problem_responses(404, 409))
def message_draft(caller: CallerDep, services: ServicesDep, request: MessageDraftRequest) -> MessageDraftResponse:
    """Draft the first message to a partner and wait for approval (review first; never sent)."""
    ctx = build_partners_context(services.settings, caller.tenant, gateway=services.gateway, clock=services.clock)
    # An unknown partner (404) or a refused channel (409, audited) is answered before any thread starts.
    ctx.partners.draft(request.partner_id, request.channel)
    with services.checkpointer() as checkpointer:
        run = start_partner_outreach(ctx, checkpointer, partner_id=request.partner_id, channel=request.channel)
    return MessageDraftResponse(thread_id=run.thread_id, draft=run.draft, outcome=run.outcome, approval=run.pending)


@router.post("/message-draft/{approval_id}/decision", response_model=DecisionResponse,
             responses=problem_responses(403, 404, 409))
def decide(caller: CallerDep, services: ServicesDep, approval_id: str, request: DecisionRequest) -> DecisionResponse:
    """Approve, edit or reject a partner message draft; the approver is the authenticated caller."""
    ctx = build_partners_context(services.settings, caller.tenant, caller=caller, gateway=services.gateway,
                                 clock=services.clock, cards=False)
    with services.checkpointer() as checkpointer:
        result = decide_partner_draft(ctx, checkpointer, approval_id, request.decision,
                                      edited_args=request.edited_args, reason=request.reason)
    return DecisionResponse(approval_id=result.approval_id, thread_id=result.thread_id,
                            already_decided=result.already_decided, message_ar=result.message_ar,
                            outcome=result.outcome)


@router.post("/agreements", response_model=AgreementResponse, status_code=201, responses=problem_responses(404))
def record_agreement(service: ServiceDep, request: AgreementRequest) -> AgreementResponse:
    """Record the terms a partner agreed to; commissions on later deals follow them."""
    service.candidate(request.partner_id)
    terms = build_terms(request.model, rate_pct=request.rate_pct, duration_months=request.duration_months,
                        catalog=service.catalog)
    return AgreementResponse(agreement=service.tracker.record_agreement(request.partner_id, terms, request.agreed_on))


@router.post("/referrals", response_model=ReferralResponse, status_code=201, responses=problem_responses(404))
def add_referral(service: ServiceDep, request: ReferralRequest) -> ReferralResponse:
    service.candidate(request.partner_id)
    return ReferralResponse(referral=service.tracker.add_referral(request.partner_id, request.company_name,
                                                                  request.referred_on))


@router.post("/referrals/{referral_id}/deals", response_model=DealResponse, status_code=201,
             responses=problem_responses(404))
def record_deal(service: ServiceDep, referral_id: str, request: DealRequest) -> DealResponse:
    """A collected amount on a referred deal, and the commission it earns under the agreement."""
    deal, commission = service.tracker.record_deal(referral_id, request.amount_sar, request.collected_on)
    return DealResponse(deal=deal, commission=commission)


@router.get("/revenue", response_model=RevenueResponse)
def revenue(service: ServiceDep) -> RevenueResponse:
    """Referrals -> deals -> commissions per partner, in SAR."""
    return RevenueResponse(summary=service.tracker.summary())


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_exception_handler(PartnerError, partner_error_response)
