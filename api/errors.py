"""Every error the API returns is ``application/problem+json`` (RFC 9457), built in one place.

    {"type": "urn:dealix:problem:not_found", "title": "Not found", "status": 404,
     "detail": "No approval 'apr_…'.", "code": "not_found", "message_ar": "لا توجد موافقة …",
     "message_en": "No approval 'apr_…'.", "instance": "/api/v1/approvals/apr_…"}

Where errors come from, and how they map:

    HTTPException(status, detail={"code", "message_ar", "message_en"})   routers' own refusals
    HTTPException(status, detail="text") / Starlette 404, 405 ...       the code of the status
    RequestValidationError                                               422 validation_failed (+ errors[])
    tools.errors.GatewayError and subclasses                             by class, then by code (table below)
    any other exception                                                  500 internal_error, nothing leaked

``type`` is a URN naming the stable ``code``; ``title`` is English; ``message_ar`` is what the
operator reads. Routers declare the problems they may return with :func:`problem_responses`.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from http import HTTPStatus
from importlib import resources
from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tools.errors import (
    ApprovalError,
    ArgumentsError,
    ConnectorError,
    GatewayError,
    NotFound,
    PolicyError,
    RoleNotAllowed,
)

log = logging.getLogger("dealix.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:dealix:problem:"


class FieldProblem(BaseModel):
    """One invalid field of a request (the submitted value is never echoed back)."""

    loc: list[str | int] = Field(description="Where: e.g. ['body', 'decision'].")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, plus Dealix's stable code and Arabic message."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "urn:dealix:problem:role_not_allowed", "title": "Role not allowed", "status": 403,
        "detail": "Role support may not approve crm.update.", "code": "role_not_allowed",
        "message_ar": "دورك لا يخوّلك اعتماد هذا الإجراء؛ يحتاج موافقة من دور مخوّل.",
        "message_en": "Role support may not approve crm.update.", "instance": "/api/v1/approvals/apr_1"}]})

    type: str = Field(description="URN of the problem type: urn:dealix:problem:{code}.")
    title: str = Field(description="Short English summary of the problem type.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="English explanation of this occurrence.")
    code: str = Field(description="Stable machine code; switch on this, not on text.")
    message_ar: str = Field(description="What happened, for the operator, in Arabic.")
    message_en: str = Field(description="The same in English (equals detail).")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldProblem] | None = Field(default=None, description="Invalid fields (validation only).")


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: int
    title: str
    message_ar: str
    message_en: str


class _Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    errors: dict[str, _Entry]


@lru_cache(maxsize=1)
def catalog() -> dict[str, _Entry]:
    raw = resources.files("api").joinpath("data/errors.yaml").read_bytes()
    return dict(_Catalog.model_validate(yaml.safe_load(raw)).errors)


_STATUS_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
                 422: "validation_failed", 429: "rate_limited", 500: "internal_error", 503: "not_ready"}

# Gateway errors by code first (more specific), then by class.
_GATEWAY_STATUS_BY_CODE = {
    "thread_not_found": 404, "approval_expired": 409, "already_decided": 409, "approval_not_awaited": 409,
    "decision_invalid": 409, "arguments_missing": 422, "leads_file_invalid": 422, "model_config_invalid": 503,
    "caller_missing": 401,
}
_GATEWAY_STATUS_BY_CLASS: tuple[tuple[type[GatewayError], int], ...] = (
    (NotFound, 404), (RoleNotAllowed, 403), (ApprovalError, 409), (ArgumentsError, 422),
    (ConnectorError, 502), (PolicyError, 500),
)


def error_detail(code: str, **overrides: str) -> dict[str, str]:
    """The ``detail`` dict for ``HTTPException`` from a catalogued code (messages may be overridden)."""
    entry = catalog()[code]
    return {"code": code, "message_ar": overrides.get("message_ar", entry.message_ar),
            "message_en": overrides.get("message_en", entry.message_en)}


def problem(status: int, code: str, *, message_ar: str | None = None, message_en: str | None = None,
            instance: str | None = None, errors: list[FieldProblem] | None = None) -> Problem:
    entry = catalog().get(code) or catalog().get(_STATUS_CODES.get(status, "http_error")) or catalog()["http_error"]
    title = entry.title if code in catalog() else _phrase(status)
    english = message_en or entry.message_en
    return Problem(type=f"{TYPE_PREFIX}{code}", title=title, status=status, detail=english, code=code,
                   message_ar=message_ar or entry.message_ar, message_en=english, instance=instance, errors=errors)


def problem_response(status: int, code: str, *, request: Request | None = None, message_ar: str | None = None,
                     message_en: str | None = None, headers: dict[str, str] | None = None,
                     errors: list[FieldProblem] | None = None) -> JSONResponse:
    """A problem+json response; what every error handler (and the size-limit middleware) returns."""
    body = problem(status, code, message_ar=message_ar, message_en=message_en,
                   instance=request.url.path if request is not None else None, errors=errors)
    return JSONResponse(status_code=status, content=body.model_dump(exclude_none=True),
                        media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def gateway_status(error: GatewayError) -> int:
    if error.code in _GATEWAY_STATUS_BY_CODE:
        return _GATEWAY_STATUS_BY_CODE[error.code]
    for cls, status in _GATEWAY_STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 400


# ----------------------------------------------------------------------------------- handlers
def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    detail: Any = exc.detail
    if exc.status_code == 400 and exc.__cause__ is not None and not isinstance(detail, dict):
        # FastAPI's "error parsing the body" (a body that is not UTF-8, say): a validation error like
        # any other malformed body, not a bare 400 the schema never mentions.
        return problem_response(422, "body_unreadable", request=request, errors=[
            FieldProblem(loc=["body"], msg="The body is not valid UTF-8 JSON.", type="body_unreadable")])
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    if isinstance(detail, dict) and isinstance(detail.get("code"), str):
        return problem_response(exc.status_code, detail["code"], request=request,
                                message_ar=detail.get("message_ar"), message_en=detail.get("message_en"),
                                headers=headers)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    text = detail if isinstance(detail, str) and detail != _phrase(exc.status_code) else None
    return problem_response(exc.status_code, code, request=request, message_en=text, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    path = request.url.path
    for ctx in iter_route_contexts(request.app.routes):
        regex = getattr(ctx, "path_regex", None)
        if regex is not None and ctx.methods and regex.match(path):
            methods |= ctx.methods
    return sorted(methods)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [FieldProblem(loc=[p for p in e.get("loc", ()) if isinstance(p, str | int)], msg=str(e.get("msg", "")),
                           type=str(e.get("type", ""))) for e in exc.errors()]
    return problem_response(422, "validation_failed", request=request, errors=fields)


def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    return problem_response(gateway_status(exc), exc.code, request=request, message_ar=exc.message_ar,
                            message_en=exc.message_en)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(500, "internal_error", request=request)


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on an app."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the problems a route may return (401 and 422 are added by default)."""
    wanted = sorted({401, 422, *statuses})
    out: dict[int | str, dict[str, Any]] = {}
    for status in wanted:
        code = _STATUS_CODES.get(status, "http_error")
        example = problem(status, code).model_dump(exclude_none=True)
        out[status] = {"model": Problem, "description": _phrase(status),
                       "content": {PROBLEM_MEDIA_TYPE: {"example": example}}}
    return out


__all__ = ["PROBLEM_MEDIA_TYPE", "FieldProblem", "Problem", "error_detail", "install", "problem",
           "problem_response", "problem_responses"]
