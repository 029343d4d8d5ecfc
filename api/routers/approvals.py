"""``/api/v1/approvals``: what waits for the caller's decision, and the decision itself.

The approver recorded is the authenticated caller; the tenant and role come from the API key,
never from the body. Another tenant's approval is 404; a role without the right is 403.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Path, Query

from api.decision_threads import run_decision
from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.schemas.approvals import ApprovalDecisionRequest, ApprovalList, ApprovalView, InboxDecision
from api.services import Services
from graphs.inbox import decide_approval
from tools.models import Caller

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])

ApprovalId = Annotated[str, Path(description="The approval id, e.g. 'apr_…'.", max_length=100)]


@router.get("", response_model=ApprovalList, responses=problem_responses(429))
def list_approvals(caller: CallerDep, services: ServicesDep,
                   scope: Annotated[Literal["mine", "tenant"], Query(
                       description="mine: those your role may decide (default); tenant: every pending one.")] = "mine",
                   ) -> ApprovalList:
    """Pending approvals (LangGraph interrupts) of your organisation, oldest first."""
    policy = services.gateway.policy
    pending = sorted(services.gateway.pending_approvals(caller.tenant), key=lambda a: (a.requested_at, a.approval_id))
    views = [ApprovalView.of(a, policy, caller.role) for a in pending]
    return ApprovalList(approvals=[v for v in views if scope == "tenant" or v.can_decide])


@router.get("/{approval_id}", response_model=ApprovalView, responses=problem_responses(404, 429))
def get_approval(approval_id: ApprovalId, caller: CallerDep, services: ServicesDep) -> ApprovalView:
    """One approval, pending or decided."""
    return ApprovalView.of(services.gateway.get_approval(approval_id, caller.tenant), services.gateway.policy,
                           caller.role)


@router.post("/{approval_id}", response_model=InboxDecision, responses=problem_responses(403, 404, 409, 429))
async def decide(approval_id: ApprovalId, body: ApprovalDecisionRequest, caller: CallerDep, services: ServicesDep
                 ) -> InboxDecision:
    """Approve, edit (then approve what you edited) or reject with a reason; the waiting thread resumes."""
    return await run_decision(_decide, approval_id, body, caller, services)


def _decide(approval_id: str, body: ApprovalDecisionRequest, caller: Caller, services: Services) -> InboxDecision:
    with services.checkpointer() as checkpointer:
        return decide_approval(settings=services.settings, gateway=services.gateway, checkpointer=checkpointer,
                               caller=caller, approval_id=approval_id, verdict=body.decision, edited_args=body.args,
                               reason=body.reason, clock=services.clock)


def install(app: FastAPI) -> None:
    app.include_router(router)
