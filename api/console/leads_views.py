"""``/console/leads`` and ``/console/consent``: the team's lead list (with merge undo) and the consent form.

Server-rendered, autoescaped, Arabic first (RTL). Scoped to the session's tenant, like the API;
the consent form goes through the same consent book as ``/api/v1/consent`` (audited), with the
same role rule for opt-ins. Forms carry the session's CSRF token. Notes are shown as text only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.render import lang_of, render
from api.console.routes import ConsoleSession, SessionDep
from api.deps import ServicesDep
from api.routers.consent import OPT_IN_ROLES
from api.session import CSRF_FIELD
from skills.targeting.catalog import load_catalog
from skills.targeting.errors import TargetingError
from skills.targeting.factory import build_service
from skills.targeting.models import ContactStatus
from tools.consent import LawfulBasis, normalise_address
from tools.consent_book import CHANNELS_FOR, ConsentBook, ConsentError, ConsentView
from tools.models import Channel

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 25
_STATUSES: tuple[ContactStatus, ...] = ("safe", "needs_review", "blocked", "unknown")


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(resources.files("api.console").joinpath("data/leads.yaml").read_bytes())
    return {key: dict(value) for key, value in raw.items()}


def labels(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in _labels().items()}


def _base(session: ConsoleSession, request: Request) -> dict[str, Any]:
    lang = lang_of(request)
    catalog = load_catalog()
    return {"csrf": session.csrf, "caller": session.record.caller, "path": request.url.path, "l": labels(lang),
            "status_ar": {s: catalog.name_ar("status", s) if lang == "ar" else s for s in _STATUSES},
            "channel_ar": {c: catalog.name_ar("channel", c) if lang == "ar" else c
                           for c in ("email", "phone", "whatsapp", "sms", "all")},
            "kind_ar": {k: catalog.name_ar("phone_kind", k) if lang == "ar" else k
                        for k in ("mobile", "landline", "toll_free", "unified", "unknown")}}


@router.get("/leads", response_class=HTMLResponse)
def leads(request: Request, session: SessionDep, services: ServicesDep, status: str | None = None,
          page: int = 1, done: str | None = None, error: str | None = None) -> Response:
    caller = session.record.caller
    service = build_service(services.settings, tenant=caller.tenant, clock=services.clock)
    chosen: ContactStatus | None = next((s for s in _STATUSES if s == status), None)
    page = max(page, 1)
    result = service.lead_page(status=chosen, offset=(page - 1) * PAGE, limit=PAGE)
    return render(request, "leads.html", **_base(session, request), result=result, current=chosen,
                  statuses=_STATUSES, page=page, pages=max(1, -(-result.total // PAGE)),
                  done=done == "unmerged", error=error)


@router.post("/leads/merges/{merge_id}/undo")
async def undo_merge(merge_id: str, request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/leads?error=csrf", status_code=303)
    caller = session.record.caller
    try:
        build_service(services.settings, tenant=caller.tenant, clock=services.clock).unmerge(merge_id)
    except TargetingError as exc:
        return RedirectResponse(f"/console/leads?error={exc.code}", status_code=303)
    return RedirectResponse("/console/leads?done=unmerged", status_code=303)


def _book(services: ServicesDep) -> ConsentBook:
    return ConsentBook(services.gateway.store, services.gateway.audit, clock=services.clock,
                       registry=services.gateway.consent)


def _consent_page(request: Request, session: ConsoleSession, *, view: ConsentView | None = None,
                  address: str = "", error: ConsentError | str | None = None, recorded: bool = False,
                  status: int = 200) -> Response:
    lang = lang_of(request)
    if isinstance(error, ConsentError):
        error = error.message_ar if lang == "ar" else error.message_en
    return render(request, "consent.html", status=status, **_base(session, request), view=view, address=address,
                  error=error, recorded=recorded,
                  channels=[c.value for c in (*CHANNELS_FOR["phone"], *CHANNELS_FOR["email"])],
                  bases=[b.value for b in LawfulBasis], may_opt_in=session.record.caller.role in OPT_IN_ROLES)


@router.get("/consent", response_class=HTMLResponse)
def consent_form(request: Request, session: SessionDep, error: str | None = None) -> Response:
    return _consent_page(request, session, error=labels(lang_of(request))["csrf"] if error == "csrf" else None)


@router.post("/consent", response_class=HTMLResponse)
async def consent_submit(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/consent?error=csrf", status_code=303)
    caller = session.record.caller
    address = str(form.get("address") or "").strip()[:200]
    action = str(form.get("action") or "show")
    source = str(form.get("source") or "").strip()[:300]
    channel_raw = str(form.get("channel") or "all")
    book = _book(services)
    service = build_service(services.settings, tenant=caller.tenant, clock=services.clock)
    leads = service.leads_with_address(normalise_address(address)) if address else []
    try:
        channel = Channel(channel_raw)
        if action == "opt_in":
            if caller.role not in OPT_IN_ROLES:
                return _consent_page(request, session, address=address, status=403,
                                     error=labels(lang_of(request))["role_refused"])
            basis = LawfulBasis(str(form.get("basis") or "consent"))
            change = book.opt_in(caller.tenant, address, channel, source=source, actor=caller.user_id, basis=basis,
                                 lead_ids=leads, renewed=form.get("renewed") == "on")
            return _consent_page(request, session, view=change.view, address=address, recorded=True)
        if action == "opt_out":
            change = book.opt_out(caller.tenant, address, channel, source=source or "console", actor=caller.user_id,
                                  lead_ids=leads)
            return _consent_page(request, session, view=change.view, address=address, recorded=True)
        return _consent_page(request, session, view=book.view(caller.tenant, address, leads), address=address)
    except ConsentError as exc:
        return _consent_page(request, session, address=address, error=exc, status=422)
    except ValueError:  # a channel or basis the form does not offer
        return _consent_page(request, session, address=address, status=422,
                             error=ConsentError("channel_mismatch", channel=channel_raw[:20],
                                                allowed=", ".join(c.value for c in CHANNELS_FOR["phone"])))


def install(app: FastAPI) -> None:
    app.include_router(router)
