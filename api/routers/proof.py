"""Proof routes: the proof pack, the proof ledger and revenue work units.

``.../demo`` routes show the seeded demo tenant (no key). The others are scoped to the
authenticated caller's tenant; nothing in a request names a tenant. Building a pack records it
through the gateway (``proof.pack_build``, a ``proof_generated`` unit), with the caller as actor.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query
from fastapi.responses import Response

from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.schemas.proof import (
    PackFormat,
    PeriodOut,
    ProofLedgerResponse,
    ProofPackResponse,
    RevenueWorkUnitsResponse,
)
from skills.proof.builder import ProofPackBuilder
from skills.proof.demo import demo_snapshot
from skills.proof.errors import PeriodInvalid, ProofError
from skills.proof.ledger import LedgerEntry, ProofLedger
from skills.proof.models import ProofPack
from skills.proof.period import Period, period_from
from skills.proof.render import MEDIA_TYPES, render
from tools.models import RevenueWorkUnit, RWUType
from tools.saudi_time import Clock

router = APIRouter(tags=["proof"])

_RENDERED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/markdown": {}, "text/html": {}, "application/pdf": {}}},
}
FormatQuery = Annotated[PackFormat, Query(alias="format", description="json, md, html (RTL) or pdf.")]
# A calendar a ledger can use: date arithmetic near year 1 or 9999 overflows (a 500) and means nothing here.
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2075, 12, 31)
StartQuery = Annotated[date | None, Query(description="First day (Asia/Riyadh); default a week before the end.",
                                          ge=_FIRST_DAY, le=_LAST_DAY)]
EndQuery = Annotated[date | None, Query(description="Last day, included (Asia/Riyadh); default today.",
                                        ge=_FIRST_DAY, le=_LAST_DAY)]
TypeQuery = Annotated[RWUType | None, Query(alias="type", description="Only this work unit type.")]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="At most this many rows, newest first.")]


def _refusal(error: ProofError) -> HTTPException:
    """A proof error as a problem+json refusal: 422 for a period that cannot be used, else 409."""
    return HTTPException(status_code=422 if isinstance(error, PeriodInvalid) else 409,
                         detail={"code": error.code, "message_ar": error.message_ar, "message_en": error.message_en})


def _period(start: date | None, end: date | None, clock: Clock) -> Period:
    try:
        return period_from(start, end, clock())
    except PeriodInvalid as error:
        raise _refusal(error) from error


def _pack_response(pack: ProofPack, fmt: PackFormat) -> Response | ProofPackResponse:
    if fmt == "json":
        return ProofPackResponse(pack=pack)
    headers = {}
    if fmt == "pdf":
        headers["Content-Disposition"] = f'inline; filename="{pack.pack_id}.pdf"'
    return Response(content=render(pack, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)


def _period_out(period: Period) -> PeriodOut:
    return PeriodOut(start=period.start, end=period.end)


def _ledger_response(tenant: str, period: Period, entries: list[LedgerEntry], limit: int, chain_ok: bool,
                     events_checked: int) -> ProofLedgerResponse:
    newest = sorted(entries, key=lambda e: (e.ts, e.rwu_id), reverse=True)
    return ProofLedgerResponse(tenant=tenant, period=_period_out(period), total=len(entries), entries=newest[:limit],
                               chain_ok=chain_ok, events_checked=events_checked)


def _units_response(tenant: str, period: Period, units: list[RevenueWorkUnit], limit: int) -> RevenueWorkUnitsResponse:
    counts = Counter(u.type for u in units)
    newest = sorted(units, key=lambda u: (u.ts, u.rwu_id), reverse=True)
    return RevenueWorkUnitsResponse(tenant=tenant, period=_period_out(period), total=len(units),
                                    counts={t: counts.get(t, 0) for t in RWUType}, units=newest[:limit])


# ------------------------------------------------------------------------------------ demo
@router.get("/api/v1/proof-pack/demo", response_model=ProofPackResponse, responses=_RENDERED)
def proof_pack_demo(fmt: FormatQuery = "json") -> Response | ProofPackResponse:
    """The demo tenant's proof pack for its scripted week (deterministic; no key needed)."""
    return _pack_response(demo_snapshot().pack, fmt)


@router.get("/api/v1/proof-ledger/demo", response_model=ProofLedgerResponse)
def proof_ledger_demo(limit: LimitQuery = 200) -> ProofLedgerResponse:
    """The demo tenant's work units, each with the audit event that proves it."""
    snapshot = demo_snapshot()
    pack = snapshot.pack
    period = Period(start=pack.period.start, end=pack.period.end)
    return _ledger_response(pack.tenant, period, snapshot.entries, limit, pack.audit.chain_ok,
                            pack.audit.events_checked)


@router.get("/api/v1/revenue-work-units/demo", response_model=RevenueWorkUnitsResponse)
def revenue_work_units_demo(unit_type: TypeQuery = None, limit: LimitQuery = 200) -> RevenueWorkUnitsResponse:
    """The demo tenant's revenue work units and their counts per type."""
    snapshot = demo_snapshot()
    period = Period(start=snapshot.pack.period.start, end=snapshot.pack.period.end)
    units = [u for u in snapshot.units if unit_type is None or u.type == unit_type]
    return _units_response(snapshot.pack.tenant, period, units, limit)


# ------------------------------------------------------------------------------------ tenant
@router.get("/api/v1/proof-pack", response_model=ProofPackResponse,
            responses={**problem_responses(409, 429), **_RENDERED})
def proof_pack(caller: CallerDep, services: ServicesDep, period_start: StartQuery = None,
               period_end: EndQuery = None, fmt: FormatQuery = "json") -> Response | ProofPackResponse:
    """Your tenant's proof pack for a period (default: the last seven days), recorded in the audit log."""
    period = _period(period_start, period_end, services.clock)
    try:
        pack = ProofPackBuilder(services.gateway, clock=services.clock).build(caller.tenant, period,
                                                                              actor=caller.user_id)
    except ProofError as error:
        raise _refusal(error) from error
    return _pack_response(pack, fmt)


@router.get("/api/v1/proof-ledger", response_model=ProofLedgerResponse, responses=problem_responses(429))
def proof_ledger(caller: CallerDep, services: ServicesDep, period_start: StartQuery = None,
                 period_end: EndQuery = None, unit_type: TypeQuery = None,
                 limit: LimitQuery = 200) -> ProofLedgerResponse:
    """Your tenant's work units in a period, newest first, each with its audit event."""
    period = _period(period_start, period_end, services.clock)
    entries = ProofLedger(services.gateway.store).entries(caller.tenant, period,
                                                          types=[unit_type] if unit_type is not None else None)
    report = services.gateway.audit.verify()
    return _ledger_response(caller.tenant, period, entries, limit, report.ok, report.events_checked)


@router.get("/api/v1/revenue-work-units", response_model=RevenueWorkUnitsResponse, responses=problem_responses(429))
def revenue_work_units(caller: CallerDep, services: ServicesDep, period_start: StartQuery = None,
                       period_end: EndQuery = None, unit_type: TypeQuery = None,
                       limit: LimitQuery = 200) -> RevenueWorkUnitsResponse:
    """Your tenant's revenue work units in a period and their counts per type."""
    period = _period(period_start, period_end, services.clock)
    units = ProofLedger(services.gateway.store).units(caller.tenant, period,
                                                      types=[unit_type] if unit_type is not None else None)
    return _units_response(caller.tenant, period, units, limit)


def install(app: FastAPI) -> None:
    app.include_router(router)
