"""``/console``: the operator console — chat, approval inbox, audit trail, proof pack, login.

Server-rendered Jinja2 with autoescape on; the chat's streaming is one small static script that
builds the page with ``textContent`` only. Log in once with an API key: the browser then holds a
signed session cookie (HttpOnly, SameSite=Strict) naming the key id; forms carry a CSRF token.
Every view is scoped to the session's tenant, exactly like the API.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict

from api.console.errors import ConsoleRoute, LoginRequired
from api.console.render import Lang, lang_of, render
from api.console.texts import load_ui, ui_texts
from api.decision_threads import run_decision
from api.deps import ServicesDep
from api.errors import error_detail
from api.keys import KeyRecord
from api.session import COOKIE, CSRF_FIELD
from graphs.inbox import Verdict, decide_approval
from graphs.operator_context import OperatorContext
from graphs.operator_runtime import ChatMessage, thread_messages
from skills.operator.events import ApprovalView
from skills.operator.labels import LabelKind, label
from tools.errors import GatewayError
from tools.rwu import list_rwus
from tools.saudi_time import RIYADH

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

EDITABLE_ARGS = ("subject", "body", "text")
AUDIT_DETAIL_KEYS = ("approval_id", "new_approval_id", "reason", "reason_code", "mode", "refusal", "role", "ledger_id")


class ConsoleSession(BaseModel):
    model_config = ConfigDict(frozen=True)

    record: KeyRecord
    cookie: str
    csrf: str


def console_session(request: Request, services: ServicesDep) -> ConsoleSession:
    cookie = request.cookies.get(COOKIE)
    key_id = services.sessions.key_id(cookie, services.clock())
    record = services.keys.active(key_id) if key_id else None
    if cookie is None or record is None:
        raise LoginRequired
    if services.limiter.hit(record.key_id) is not None:
        raise HTTPException(status_code=429, detail=error_detail("rate_limited"))
    return ConsoleSession(record=record, cookie=cookie, csrf=services.sessions.csrf_token(cookie))


SessionDep = Annotated[ConsoleSession, Depends(console_session)]


def _base(session: ConsoleSession, request: Request) -> dict[str, Any]:
    caller = session.record.caller
    return {"csrf": session.csrf, "caller": caller, "path": request.url.path}


# ---------------------------------------------------------------------------------- login
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return render(request, "login.html", failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, services: ServicesDep, api_key: Annotated[str, Form(max_length=200)]) -> Response:
    record = services.keys.verify(api_key)
    if record is None:
        return render(request, "login.html", status=401, failed=True)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(COOKIE, services.sessions.issue(record.key_id, services.clock()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/",
                        max_age=int(services.sessions.max_age.total_seconds()))
    return response


@router.post("/logout")
def logout(session: SessionDep, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    response = RedirectResponse("/console/login", status_code=303)
    if csrf_token == session.csrf:
        response.delete_cookie(COOKIE, path="/")
    return response


# ---------------------------------------------------------------------------------- chat
@router.get("", response_class=HTMLResponse)
def chat(request: Request, session: SessionDep, services: ServicesDep, thread: str | None = None) -> Response:
    caller = session.record.caller
    messages: list[ChatMessage] = []
    thread_id = ""
    if thread:
        try:
            info = services.threads.get(thread, caller.tenant)
            with services.checkpointer() as checkpointer:
                ctx = OperatorContext(tenant=caller.tenant, caller=caller, settings=services.settings,
                                      gateway=services.gateway, threads=services.threads, checkpointer=checkpointer)
                messages = thread_messages(ctx, info.thread_id)
            thread_id = info.thread_id
        except GatewayError:
            thread_id = ""  # another tenant's or unknown thread: start a new conversation instead
    lang = lang_of(request)
    return render(request, "chat.html", **_base(session, request), messages=messages, thread_id=thread_id,
                  suggestions=load_ui().suggestions[lang], labels=ui_texts(lang))


# ---------------------------------------------------------------------------------- inbox
def _editable(view: ApprovalView) -> list[tuple[str, str]]:
    return [(k, str(view.args[k])) for k in EDITABLE_ARGS if isinstance(view.args.get(k), str)]


@router.get("/approvals", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, services: ServicesDep, done: str | None = None,
          error: str | None = None) -> Response:
    caller = session.record.caller
    pending = sorted(services.gateway.pending_approvals(caller.tenant), key=lambda a: (a.requested_at, a.approval_id))
    views = [ApprovalView.of(a, services.gateway.policy, caller.role) for a in pending]
    items = [{"view": v, "editable": _editable(v),
              "readonly": [(k, str(val)) for k, val in v.args.items() if k not in EDITABLE_ARGS]} for v in views]
    return render(request, "approvals.html", **_base(session, request), items=items,
                  done=done if done in ("approve", "edit", "reject") else None, error=error)


@router.post("/approvals/{approval_id}")
async def decide_form(approval_id: str, request: Request, session: SessionDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get(CSRF_FIELD) != session.csrf:
        return RedirectResponse("/console/approvals?error=csrf", status_code=303)
    decision = str(form.get("decision") or "")
    reason = str(form.get("reason") or "").strip()[:500] or None
    caller = session.record.caller
    try:
        original = services.gateway.get_approval(approval_id, caller.tenant)
    except GatewayError:
        return RedirectResponse("/console/approvals?error=not_found", status_code=303)
    edited: dict[str, Any] = {}
    for key in EDITABLE_ARGS:
        value = form.get(f"arg_{key}")
        if isinstance(value, str) and key in original.action_request.args \
                and value.replace("\r\n", "\n") != original.action_request.args[key]:
            edited[key] = value.replace("\r\n", "\n")
    if decision == "edit" and not edited:
        decision = "approve"  # nothing changed: an approval of what was asked
    if decision not in ("approve", "edit", "reject"):  # a rejection's reason is optional, as the form says
        return RedirectResponse("/console/approvals?error=decision", status_code=303)
    verdict: Verdict = "approve" if decision == "approve" else "edit" if decision == "edit" else "reject"
    try:
        with services.checkpointer() as checkpointer:
            await run_decision(decide_approval, settings=services.settings, gateway=services.gateway,
                               checkpointer=checkpointer, caller=caller, approval_id=approval_id,
                               verdict=verdict, edited_args=edited or None, reason=reason, clock=services.clock)
    except GatewayError as exc:
        return RedirectResponse(f"/console/approvals?error={exc.code}", status_code=303)
    return RedirectResponse(f"/console/approvals?done={verdict}", status_code=303)


# ---------------------------------------------------------------------------------- audit and proof
@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    caller = session.record.caller
    log = services.gateway.audit
    events = log.events(tenant=caller.tenant, limit=100_000)[-300:]
    lang = lang_of(request)
    values: dict[str, LabelKind] = {"mode": "modes", "reason_code": "reasons", "role": "roles"}
    rows = [{"seq": e.seq, "ts": e.ts.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M"), "kind": e.kind,
             "kind_label": label("events", e.kind, lang), "actor": e.actor, "action": e.action or "",
             "field_names": {k: label("fields", k, lang) for k in AUDIT_DETAIL_KEYS},
             "detail": [(k, label(values[k], str(e.payload[k]), lang) if k in values else str(e.payload[k]))
                        for k in AUDIT_DETAIL_KEYS if e.payload.get(k) not in (None, "")]}
            for e in reversed(events)]
    return render(request, "audit.html", **_base(session, request), rows=rows, chain_ok=log.verify().ok)


def week_of(now: datetime) -> tuple[datetime, datetime]:
    """The Saudi working week (Sunday to Thursday) containing ``now``, in Riyadh time."""
    local = now.astimezone(RIYADH)
    start = (local - timedelta(days=(local.weekday() + 1) % 7)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=5)


def _dates(day: datetime, lang: Lang) -> str:
    gregorian = day.strftime("%Y-%m-%d")
    try:
        from hijridate import Gregorian
    except ImportError:  # Hijri is shown when the converter is installed
        return gregorian
    hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    name = hijri.month_name("ar" if lang == "ar" else "en")
    return f"{gregorian} ({hijri.day} {name} {hijri.year})"


@router.get("/proof", response_class=HTMLResponse)
def proof(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    caller = session.record.caller
    lang = lang_of(request)
    start, end = week_of(services.clock())
    units = [u for u in list_rwus(services.gateway.store, tenant=caller.tenant, limit=100_000)
             if start <= u.ts.astimezone(RIYADH) < end]
    counts = Counter(u.type.value for u in units)
    labels = load_ui().rwu
    rows = [(getattr(labels[k], lang) if k in labels else k, n) for k, n in sorted(counts.items())]
    pending = [a for a in services.gateway.pending_approvals(caller.tenant) if caller.role in a.approver_roles]
    pack_url = None
    if any(getattr(r, "path", None) == "/api/v1/proof-pack" for r in iter_route_contexts(request.app.routes)):
        last = min(services.clock().astimezone(RIYADH).date(), (end - timedelta(days=1)).date())
        pack_url = f"/api/v1/proof-pack?format=html&period_start={start.date().isoformat()}&period_end={last}"
    return render(request, "proof.html", **_base(session, request), rows=rows, pending=len(pending),
                  week=f"{_dates(start, lang)} – {_dates(end - timedelta(days=1), lang)}", pack_url=pack_url)


def _login_redirect(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/console/login", status_code=303)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_redirect)


__all__ = ["LoginRequired", "install", "router", "week_of"]
