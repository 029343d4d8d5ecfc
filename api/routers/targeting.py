"""``/api/v1/targeting``: import a leads file, list the leads (paginated), undo a merge, rank targets, and two
demos over the sample leads."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.deps import CallerDep, ServicesDep
from api.errors import problem_response, problem_responses
from api.schemas.targeting import (
    ContactabilityDemoResponse,
    ContactabilityRow,
    ImportResponse,
    LeadsResponse,
    MergeResponse,
    OpportunitiesDemoResponse,
    RankRequest,
    RankResponse,
)
from skills.targeting.contactability import status_counts
from skills.targeting.errors import FileTooLarge, TargetingError, UnsupportedFormat
from skills.targeting.factory import build_service, demo_service
from skills.targeting.models import ContactStatus
from skills.targeting.service import TargetingService
from tools.saudi_time import system_clock

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl"}
_ERRORS = problem_responses(400, 413, 415, 422)

router = APIRouter(prefix="/api/v1/targeting", tags=["targeting"])


def get_clock() -> Callable[[], datetime]:
    return system_clock


def get_service(caller: CallerDep, services: ServicesDep) -> TargetingService:
    """The caller's tenant's Targeting OS (the tenant comes from the API key, never the request)."""
    return build_service(services.settings, tenant=caller.tenant, clock=services.clock)


ServiceDep = Annotated[TargetingService, Depends(get_service)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


def targeting_error_response(request: Request, error: Exception) -> JSONResponse:
    """Domain errors to HTTP, in one place: a stable code and an Arabic message."""
    assert isinstance(error, TargetingError)
    status = {"unsupported_format": 415, "file_too_large": 413, "missing_company_column": 422,
              "merge_not_found": 404}.get(error.code, 400)
    return problem_response(status, error.code, request=request, message_ar=error.message_ar,
                            message_en=error.message_en)


@router.post("/import", response_model=ImportResponse, responses=_ERRORS)
def import_leads(service: ServiceDep, file: Annotated[UploadFile, File(description="CSV, XLSX or JSON")]
                 ) -> ImportResponse:
    """Import a leads file (multipart upload, at most 20 MB)."""
    name = Path(file.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in _SUFFIXES:
        raise UnsupportedFormat()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            copied = 0
            while chunk := file.file.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_UPLOAD_BYTES:
                    raise FileTooLarge(MAX_UPLOAD_BYTES // (1024 * 1024))
                out.write(chunk)
        report = service.import_file(path, file_name=name)
    return ImportResponse(report=report)


@router.get("/leads", response_model=LeadsResponse)
def list_leads(service: ServiceDep, status: ContactStatus | None = None,
               offset: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> LeadsResponse:
    """The tenant's leads, best first, a page at a time: contact points, contactability per channel with
    reasons and consent provenance, consent history, touches, merges (undo by merge id) and notes."""
    return LeadsResponse(page=service.lead_page(status=status, offset=offset, limit=limit))


@router.post("/merges/{merge_id}/undo", response_model=MergeResponse, responses=problem_responses(404))
def undo_merge(service: ServiceDep, merge_id: str) -> MergeResponse:
    """Undo one merge: both leads are separate again, and the pair is never merged again."""
    return MergeResponse(merge=service.unmerge(merge_id))


@router.post("/rank", response_model=RankResponse)
def rank_targets(service: ServiceDep, request: RankRequest) -> RankResponse:
    """Ranked targets of the tenant with score breakdowns (internal, suggest-only)."""
    return RankResponse(result=service.rank(top=request.top, icp=request.icp))


@router.get("/opportunities/demo", response_model=OpportunitiesDemoResponse)
def opportunities_demo(clock: ClockDep) -> OpportunitiesDemoResponse:
    """Today's selection over the bundled sample leads: safe prospects, then the top ten."""
    return OpportunitiesDemoResponse(selection=demo_service(clock=clock).daily())


@router.get("/contactability/demo", response_model=ContactabilityDemoResponse)
def contactability_demo(clock: ClockDep) -> ContactabilityDemoResponse:
    """Contactability of every sample lead, per channel, with the reason in Arabic."""
    targets = demo_service(clock=clock).targets()
    rows = [ContactabilityRow(company_name=t.company_name, contact_name=t.contact_name,
                              contactability=t.contactability) for t in targets]
    counts = status_counts([t.contactability for t in targets])
    return ContactabilityDemoResponse(counts=dict(counts), leads=rows)


def install(app: FastAPI) -> None:
    """Register the router and its error handler on a FastAPI app."""
    app.include_router(router)
    app.add_exception_handler(TargetingError, targeting_error_response)

