"""``/api/v1/support``: tickets (create, list, read, status), CSAT, reply drafts, SLA and churn risk.

Every route is scoped to the caller's tenant (``CallerDep``): another tenant's ticket is a 404,
exactly like one that does not exist. A reply draft runs the customer-ops graph and waits for a
person's approval (``POST /api/v1/support/draft-response/{approval_id}/decision``); nothing is sent.
Ticket text is classified, never obeyed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CallerDep, ServicesDep
from api.errors import problem_response, problem_responses
from api.schemas.support import (
    ChurnResponse,
    ClassifyRequest,
    ClassifyResponse,
    CsatRequest,
    CsatResponse,
    DecisionRequest,
    DecisionResponse,
    EscalationResponse,
    ReplyDraftResponse,
    SlaReportResponse,
    StatusRequest,
    TicketCreate,
    TicketListResponse,
    TicketResponse,
    TicketSummary,
)
from graphs.support import build_support_context, decide_support_reply, start_support_reply
from skills.support.classify import classify
from skills.support.errors import SupportError
from skills.support.intake import from_api, from_email, from_whatsapp
from skills.support.models import Category, IncomingTicket, Ticket, TicketStatus
from skills.support.service import SupportService
from tools.pii import PiiMasker

router = APIRouter(prefix="/api/v1/support", tags=["support"])

_STATUS = {"ticket_not_found": 404, "empty_ticket": 422, "ticket_too_long": 422, "csat_invalid": 422,
           "csat_before_resolution": 409, "csat_already_recorded": 409, "invalid_status": 409,
           "no_reply_channel": 409}
PREVIEW_CHARS = 140


def get_service(caller: CallerDep, services: ServicesDep) -> SupportService:
    """The caller's tenant's support desk; escalations publish cards."""
    return build_support_context(services.settings, caller.tenant, gateway=services.gateway,
                                 clock=services.clock).support


ServiceDep = Annotated[SupportService, Depends(get_service)]


def support_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SupportError)
    return problem_response(_STATUS.get(error.code, 400), error.code, request=request, message_ar=error.message_ar,
                            message_en=error.message_en)


def _incoming(body: TicketCreate) -> IncomingTicket:
    if body.source == "email":
        return from_email(body.text, customer_email=body.customer_email, customer_name=body.customer_name,
                          customer_id=body.customer_id)
    if body.source == "whatsapp":
        return from_whatsapp(body.text, phone=body.customer_phone, customer_name=body.customer_name,
                             customer_id=body.customer_id)
    return from_api(body.text, subject=body.subject, customer_email=body.customer_email,
                    customer_phone=body.customer_phone, customer_name=body.customer_name,
                    customer_id=body.customer_id)


def _summary(ticket: Ticket, masker: PiiMasker) -> TicketSummary:
    masked = masker.with_names([n for n in (ticket.customer_name,) if n]).mask_text(ticket.body)
    return TicketSummary(
        ticket_id=ticket.ticket_id, source=ticket.source, category=ticket.classification.category,
        category_ar=ticket.classification.category_ar, priority=ticket.priority, status=ticket.status,
        customer_ref=ticket.customer_ref, preview=masked[:PREVIEW_CHARS], flags=list(ticket.classification.flags),
        created_at=ticket.created_at, first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due, escalation=ticket.escalation,
    )


@router.post("/tickets", response_model=TicketResponse, status_code=201, responses=problem_responses(429))
def create_ticket(service: ServiceDep, body: TicketCreate) -> TicketResponse:
    """A ticket from an email, a WhatsApp message or the API: classified, prioritised, SLA clocks started."""
    ticket = service.create(_incoming(body), actor="api")
    return TicketResponse(ticket=ticket, sla=service.sla(ticket.ticket_id))


@router.get("/tickets", response_model=TicketListResponse)
def list_tickets(service: ServiceDep, status: TicketStatus | None = None, category: Category | None = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> TicketListResponse:
    """The tenant's tickets, oldest first, with a masked preview (no contact details)."""
    return TicketListResponse(tickets=[_summary(t, service.masker)
                                       for t in service.tickets(status=status, category=category, limit=limit)])


@router.get("/tickets/{ticket_id}", response_model=TicketResponse, responses=problem_responses(404))
def get_ticket(service: ServiceDep, ticket_id: str) -> TicketResponse:
    return TicketResponse(ticket=service.get(ticket_id), sla=service.sla(ticket_id))


@router.post("/tickets/{ticket_id}/status", response_model=TicketResponse, responses=problem_responses(404, 409))
def set_status(caller: CallerDep, service: ServiceDep, ticket_id: str, body: StatusRequest) -> TicketResponse:
    ticket = service.set_status(ticket_id, body.status, actor=caller.user_id)
    return TicketResponse(ticket=ticket, sla=service.sla(ticket.ticket_id))


@router.post("/tickets/{ticket_id}/csat", response_model=CsatResponse, status_code=201,
             responses=problem_responses(404, 409))
def record_csat(service: ServiceDep, ticket_id: str, body: CsatRequest) -> CsatResponse:
    """The customer's satisfaction (a whole number from 1 to 5), once, after resolution."""
    return CsatResponse(csat=service.record_csat(ticket_id, body.score, body.comment))


@router.post("/tickets/{ticket_id}/draft-response", response_model=ReplyDraftResponse,
             responses=problem_responses(404, 409))
def draft_response(caller: CallerDep, services: ServicesDep, ticket_id: str) -> ReplyDraftResponse:
    """Draft the reply (acknowledgement, next step and owner) and wait for approval; never sent."""
    ctx = build_support_context(services.settings, caller.tenant, gateway=services.gateway, clock=services.clock)
    ctx.support.draft_reply(ticket_id)  # 404 / 409 (no channel) before a thread starts
    with services.checkpointer() as checkpointer:
        run = start_support_reply(ctx, checkpointer, ticket_id=ticket_id)
    return ReplyDraftResponse(thread_id=run.thread_id, ticket_id=run.ticket_id, reply=run.reply, outcome=run.outcome,
                              approval=run.pending)


@router.post("/draft-response/{approval_id}/decision", response_model=DecisionResponse,
             responses=problem_responses(403, 404, 409))
def decide(caller: CallerDep, services: ServicesDep, approval_id: str, body: DecisionRequest) -> DecisionResponse:
    """Approve, edit or reject a reply draft; the approver is the authenticated caller."""
    ctx = build_support_context(services.settings, caller.tenant, caller=caller, gateway=services.gateway,
                                clock=services.clock)
    with services.checkpointer() as checkpointer:
        result = decide_support_reply(ctx, checkpointer, approval_id, body.decision, edited_args=body.edited_args,
                                      reason=body.reason)
    return DecisionResponse(approval_id=result.approval_id, thread_id=result.thread_id,
                            already_decided=result.already_decided, message_ar=result.message_ar,
                            outcome=result.outcome)


@router.post("/classify", response_model=ClassifyResponse)
def classify_text(caller: CallerDep, body: ClassifyRequest) -> ClassifyResponse:
    """Classify a text without creating a ticket (category, confidence, evidence, priority, flags)."""
    return ClassifyResponse(classification=classify(body.text, body.subject))


@router.get("/sla", response_model=SlaReportResponse)
def sla_report(service: ServiceDep) -> SlaReportResponse:
    """Open tickets near or past their SLA (Saudi business time), most severe first."""
    return SlaReportResponse(attention=service.sla_report())


@router.post("/sla/escalate", response_model=EscalationResponse)
def escalate(caller: CallerDep, service: ServiceDep) -> EscalationResponse:
    """Escalate every ticket whose SLA state got worse (once per level), publishing support cards."""
    return EscalationResponse(escalations=service.escalate_due(actor=caller.user_id))


@router.get("/churn", response_model=ChurnResponse)
def churn(service: ServiceDep) -> ChurnResponse:
    """Churn risk per customer from complaints, cancellation words, low CSAT, breaches and repeats."""
    return ChurnResponse(customers=service.churn())


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_exception_handler(SupportError, support_error_response)
