"""``/api/v1/audit``: your organisation's audit trail (hash-chained; payloads PII-masked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query

from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.schemas.audit import AuditTrail

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/events", response_model=AuditTrail, responses=problem_responses(429))
def audit_events(caller: CallerDep, services: ServicesDep,
                 after_seq: Annotated[int, Query(ge=0, le=2**63 - 1,  # SQLite's INTEGER: a larger one was a 500
                                                 description="Only events after this sequence number.")] = 0,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                 verify: Annotated[bool, Query(description="Also verify the whole hash chain.")] = False,
                 ) -> AuditTrail:
    """Decisions, approvals, executions and refusals, oldest first."""
    audit = services.gateway.audit
    return AuditTrail(events=audit.events(tenant=caller.tenant, limit=limit, after_seq=after_seq),
                      chain_ok=audit.verify().ok if verify else None)


def install(app: FastAPI) -> None:
    app.include_router(router)
