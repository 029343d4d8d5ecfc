"""The console's desk pages: decision cards with working buttons, the evidence-pack viewer, the partner
pipeline board, and deals with the forecast.

    /console/cards ............... the role's open cards (today's opportunities included); each button
                                   is a form. «جهّز مسودة» on an opportunity starts the autopilot for
                                   that one lead (the draft and its approval go through the gateway),
                                   then closes the card as accepted
    /console/evidence ............ export a signed evidence pack for a period, see its manifest and
                                   its verification; verify an uploaded pack; download
    /console/partners ............ the partner pipeline: candidates by score, agreements, referrals
                                   open / won / lost
    /console/deals ............... the deal book (latest revision per deal), a form to record a deal,
                                   and forecast against actual per week

Everything is scoped to the session's tenant; every write carries the session's CSRF token.
"""

from __future__ import annotations

import contextvars
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.console.errors import ConsoleRoute
from api.console.render import lang_of, render
from api.console.routes import SessionDep, _base
from api.deps import ServicesDep
from api.routers.cards import _desk
from api.session import CSRF_FIELD
from graphs.operator_context import OperatorContext, Turn
from skills.cards.build import todays_targets
from skills.cards.decisions import CardDecisionRequest
from skills.cards.models import CardType
from skills.operator.handlers import draft_for_lead_id
from skills.pipeline.book import DealBook, pipeline_db_path
from skills.pipeline.intake import record_deal
from skills.pipeline.stages import load_stages
from skills.proof.evidence import EvidenceScope, export_evidence
from skills.proof.evidence_verify import verify_evidence
from skills.proof.period import period_from
from tools.errors import GatewayError
from tools.saudi_time import RIYADH

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
_DEAL_ID = re.compile(r"[^A-Za-z0-9._:-]+")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


# ---------------------------------------------------------------------------------- cards
@router.get("/cards", response_class=HTMLResponse)
def cards(request: Request, session: SessionDep, services: ServicesDep, done: str | None = None,
          error: str | None = None, drafts: int | None = None) -> Response:
    caller = session.record.caller
    desk = _desk(request, services, caller.tenant)
    desk.service.sync(targets=todays_targets(services.settings, caller.tenant, clock=desk.service.clock))
    desk.feeds.invalidate()
    feed = desk.service.feed(caller.role, limit=50)
    return render(request, "cards.html", **_base(session, request), items=feed.items, done=done, error=error,
                  drafts=drafts)


@router.post("/cards/{card_id}")
async def press(card_id: str, request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/cards?error=csrf", status_code=303)
    button_id = str(form.get("button_id") or "")[:64]
    reason = str(form.get("reason") or "").strip()[:500] or None
    caller = session.record.caller
    desk = _desk(request, services, caller.tenant)
    try:
        card = desk.service.card(card_id)
        drafts = None
        if card.type == CardType.opportunity and button_id == "prepare_draft" and card.context.lead_id:
            drafts = await run_in_threadpool(_prepare_draft, services, caller, card.context.lead_id)
        result = desk.decider.decide(card_id, caller, CardDecisionRequest(button_id=button_id, reason=reason))
    except GatewayError as exc:
        return RedirectResponse(f"/console/cards?error={exc.code}", status_code=303)
    desk.feeds.invalidate()
    suffix = f"&drafts={drafts}" if drafts is not None else ""
    return RedirectResponse(f"/console/cards?done={result.status.value}{suffix}", status_code=303)


def _prepare_draft(services: Any, caller: Any, lead_id: str) -> int:
    """The opportunity's draft: one autopilot run over that lead; its draft waits for approval."""
    with services.checkpointer() as checkpointer:
        ctx = OperatorContext(tenant=caller.tenant, caller=caller, settings=services.settings,
                              gateway=services.gateway, threads=services.threads, checkpointer=checkpointer,
                              clock=services.clock)
        # A fresh context: the autopilot is its own graph and thread, not part of this request's context.
        return contextvars.Context().run(draft_for_lead_id, ctx, lead_id,
                                         Turn(thread_id=f"{caller.tenant}:cards", index=1))


# ---------------------------------------------------------------------------------- evidence
def _week(services: Any) -> tuple[date, date]:
    today = services.clock().astimezone(RIYADH).date()
    return today - timedelta(days=(today.weekday() + 1) % 7), today


@router.get("/evidence", response_class=HTMLResponse)
def evidence(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    start, end = _week(services)
    return render(request, "evidence.html", **_base(session, request), start=start.isoformat(), end=end.isoformat(),
                  manifest=None, report=None, download=None)


@router.post("/evidence", response_class=HTMLResponse)
async def evidence_action(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/evidence", status_code=303)
    caller = session.record.caller
    key = services.settings.signing_key()
    upload = form.get("pack")
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        report = await run_in_threadpool(_verify_bytes, data[:MAX_UPLOAD_BYTES], key)
        start, end = _week(services)
        return render(request, "evidence.html", **_base(session, request), start=start.isoformat(),
                      end=end.isoformat(), manifest=None, report=report, download=None)
    start_text, end_text = str(form.get("start") or ""), str(form.get("end") or "")
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        start, end = _week(services)
    if end < start:
        start, end = end, start
    now = services.clock()
    scope = EvidenceScope(tenant=caller.tenant, period=period_from(start, end, now))
    data, manifest = await run_in_threadpool(export_evidence, services.gateway, scope, key=key, now=now,
                                             actor=caller.user_id, settings=services.settings)
    report = await run_in_threadpool(_verify_bytes, data, key)
    name = f"evidence-{caller.tenant}-{start.isoformat()}-{end.isoformat()}.zip"
    folder = services.settings.data_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _safe(name)).write_bytes(data)
    return render(request, "evidence.html", **_base(session, request), start=start.isoformat(), end=end.isoformat(),
                  manifest=manifest, report=report, download=_safe(name))


@router.get("/evidence/download/{name}")
def evidence_download(name: str, session: SessionDep, services: ServicesDep) -> Response:
    caller = session.record.caller
    safe = _safe(name)
    path = services.settings.data_dir / "evidence" / safe
    if safe != name or not safe.startswith(f"evidence-{caller.tenant}-") or not path.is_file():
        return RedirectResponse("/console/evidence", status_code=303)
    return Response(path.read_bytes(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:200]


def _verify_bytes(data: bytes, key: bytes) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.zip"
        path.write_bytes(data)
        return verify_evidence(path, key=key)


# ---------------------------------------------------------------------------------- partners
@router.get("/partners", response_class=HTMLResponse)
def partners(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    from skills.partners.factory import build_service

    caller = session.record.caller
    service = build_service(services.settings, tenant=caller.tenant, clock=services.clock, gateway=services.gateway)
    suggestions = service.suggest(None, record=False)
    repository = service.repository
    referrals = repository.referrals(caller.tenant)
    names = {s.scorecard.partner_id: s.scorecard.partner_name for s in suggestions}
    agreed = [s for s in suggestions if repository.agreement(caller.tenant, s.scorecard.partner_id) is not None]
    columns = {
        "candidates": [{"title": s.scorecard.partner_name, "detail": f"{s.scorecard.total}/100", "why": s.why_ar}
                       for s in suggestions if s not in agreed],
        "agreed": [{"title": s.scorecard.partner_name, "detail": f"{s.scorecard.total}/100", "why": s.why_ar}
                   for s in agreed],
        **{status: [{"title": r.company_name, "detail": names.get(r.partner_id, r.partner_id),
                     "why": r.referred_on.isoformat()} for r in referrals if r.status == status]
           for status in ("open", "won", "lost")},
    }
    return render(request, "partners.html", **_base(session, request), columns=columns)


# ---------------------------------------------------------------------------------- deals and forecast
@router.get("/deals", response_class=HTMLResponse)
def deals(request: Request, session: SessionDep, services: ServicesDep, error: str | None = None,
          done: str | None = None) -> Response:
    from skills.governance.service import GovernanceDesk

    caller = session.record.caller
    lang = lang_of(request)
    book = DealBook(pipeline_db_path(services.settings)) if pipeline_db_path(services.settings).exists() else None
    latest: dict[str, Any] = {}
    if book is not None:
        try:
            for revision in book.revisions(caller.tenant):
                latest[revision.deal_id] = revision
        finally:
            book.close()
    stages = load_stages()
    direct = stages.tracks["direct"]
    names: dict[str, str] = {k: (v.name_ar if lang == "ar" else v.name_en) for k, v in direct.stages.items()}
    names |= {str(k): (v.name_ar if lang == "ar" else v.name_en) for k, v in stages.closed.items()}
    rows = [{"deal_id": r.deal_id, "company": r.company_name, "stage": names.get(r.stage, r.stage),
             "value": f"{r.value_sar:,.2f}", "close": r.expected_close.isoformat(), "rev": r.rev}
            for r in sorted(latest.values(), key=lambda r: (r.expected_close, r.deal_id))]
    forecast = GovernanceDesk(caller.tenant, gateway=services.gateway, settings=services.settings,
                              clock=services.clock).forecast()
    default_close = (services.clock().astimezone(RIYADH).date() + timedelta(days=30)).isoformat()
    return render(request, "deals.html", **_base(session, request), rows=rows, stages=list(names.items()),
                  forecast=forecast, error=error, done=done, default_close=default_close)


@router.post("/deals")
async def deal_add(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/deals?error=csrf", status_code=303)
    caller = session.record.caller
    company = str(form.get("company") or "").strip()[:200]
    stage = str(form.get("stage") or "qualified")
    value = str(form.get("value") or "").strip()
    close = str(form.get("close") or "").strip()
    deal_id = _DEAL_ID.sub("-", str(form.get("deal_id") or "").strip())[:60].strip("-") \
        or "deal-" + _DEAL_ID.sub("-", company.encode("utf-8").hex())[:16]
    if not company:
        return RedirectResponse("/console/deals?error=details_missing", status_code=303)
    try:
        await run_in_threadpool(record_deal, services.settings, caller.tenant, deal_id=deal_id, stage=stage,
                                value=value, close=close, at=services.clock(), by=caller.user_id, company=company,
                                track="direct")
    except GatewayError as exc:
        return RedirectResponse(f"/console/deals?error={exc.code}", status_code=303)
    return RedirectResponse("/console/deals?done=recorded", status_code=303)


def install(app: FastAPI) -> None:
    app.include_router(router)
