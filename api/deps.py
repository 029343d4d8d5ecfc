"""Request dependencies as named ``Annotated`` aliases, in one place.

Routes never read a tenant or role from the request body: ``CallerDep`` is the authenticated
caller, and every query is scoped to its tenant. A caller authenticates with

- an API key: ``Authorization: Bearer dx_...`` or ``X-API-Key: dx_...`` (API clients), or
- the console's session cookie (after logging in with a key); unsafe methods then also need the
  ``X-CSRF-Token`` header, so another site cannot make the browser act.

Every authenticated request takes a token from its key's rate-limit bucket (429 when empty).
Tests override :func:`get_caller` (``app.dependency_overrides[get_caller] = lambda: caller``).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.errors import error_detail
from api.key_cache import verified_keys
from api.keys import ApiKeyStore, KeyRecord, key_store_for
from api.services import Services, build_services
from api.session import COOKIE, CSRF_HEADER
from dealix.settings import Settings, get_settings
from tools.models import Caller


async def app_settings(request: Request) -> Settings:
    """The settings ``create_app`` was given (``app.state.settings``), else :func:`get_settings`.

    Not a dependency override: FastAPI re-analyses every dependency of every request while an app
    has any override, which cost more than the card feed itself. An override of ``get_settings``
    set by hand is still honoured."""
    provider = request.app.dependency_overrides.get(get_settings)
    if provider is None:
        return settings_of(request.app)
    fixed = provider()
    return fixed if isinstance(fixed, Settings) else get_settings()


def settings_of(app: FastAPI) -> Settings:
    """The settings ``create_app`` was given, else :func:`get_settings` (the environment's)."""
    fixed = getattr(app.state, "settings", None)
    return fixed if isinstance(fixed, Settings) else get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request, settings: SettingsDep) -> Services:
    """The app's shared services for these settings (built on first use, then cached on the app)."""
    return app_services(request.app, settings)


def app_services(app: FastAPI, settings: Settings) -> Services:
    """The services cached on ``app`` for ``settings``, built now if they are not yet (a serving start builds them)."""
    cache: dict[int, tuple[Settings, Services]] = app.state.services
    entry = cache.get(id(settings))
    if entry is None:
        with _BUILDING:  # the first requests arrive together: one set of services (one rate limiter) for all
            entry = cache.get(id(settings))
            if entry is None:
                entry = cache[id(settings)] = (settings, build_services(settings, clock=app.state.clock))
    return entry[1]


_BUILDING = threading.Lock()


async def shared_services(request: Request, settings: SettingsDep) -> Services:
    """:func:`get_services` without a thread-pool hop once the services exist (the hot path of every request)."""
    entry = request.app.state.services.get(id(settings))
    if entry is not None:
        services: Services = entry[1]
        return services
    return await run_in_threadpool(get_services, request, settings)


ServicesDep = Annotated[Services, Depends(shared_services)]


def get_key_store(settings: SettingsDep) -> ApiKeyStore:
    return key_store_for(settings)


KeyStoreDep = Annotated[ApiKeyStore, Depends(get_key_store)]


def _unauthenticated() -> HTTPException:
    return HTTPException(status_code=401, detail=error_detail("unauthenticated"),
                         headers={"WWW-Authenticate": "Bearer"})


def authenticate(request: Request, services: Services, key: str | None) -> KeyRecord | None:
    """The key record behind a request: its API key if it sent one, else its console session."""
    if key is not None:
        return verified_keys(services.keys).verify(key)
    session = request.cookies.get(COOKIE)
    key_id = services.sessions.key_id(session, services.clock())
    if session is None or key_id is None:
        return None
    record = services.keys.active(key_id)
    if record is not None and request.method not in _SAFE_METHODS and \
            not services.sessions.csrf_ok(session, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=error_detail("csrf_failed"))
    return record


async def get_caller(
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    """The authenticated caller, or 401 (403 for a cookie request without its CSRF token, 429 over the limit).

    The headers are not parameters of the OpenAPI document: it declares them as security schemes
    (``api.contract``). Two different keys in one request (``X-API-Key`` and a bearer token that
    disagree) are refused, whichever of them is valid: the server never picks one for the client.

    Runs on the event loop: a key verified before is a memory lookup (``api.key_cache``); anything
    that reads a store (a new key, a console session) runs in the thread pool."""
    if credentials_ambiguous(x_api_key, authorization):
        raise HTTPException(status_code=401, detail=error_detail("credentials_ambiguous"),
                            headers={"WWW-Authenticate": "Bearer"})
    key = presented_key(x_api_key, authorization)
    record = verified_keys(services.keys).cached(key) if key else None
    if record is None:
        record = await run_in_threadpool(authenticate, request, services, key)
    if record is None:
        raise _unauthenticated()
    retry_after = services.limiter.hit(record.key_id)
    if retry_after is not None:
        raise HTTPException(status_code=429, detail=error_detail("rate_limited"),
                            headers={"Retry-After": retry_after_header(retry_after)})
    request.state.key_id = record.key_id
    return record.caller


def presented_key(x_api_key: str | None, authorization: str | None) -> str | None:
    """The API key a request presents; None: it presents none; "": it presents no usable one
    (an ``Authorization`` that is not a bearer token, or two keys that disagree)."""
    if credentials_ambiguous(x_api_key, authorization):
        return ""
    if x_api_key is None and authorization is not None:
        return _bearer(authorization)
    return x_api_key


def credentials_ambiguous(x_api_key: str | None, authorization: str | None) -> bool:
    """True when both headers are present and do not carry the same key."""
    return x_api_key is not None and authorization is not None and _bearer(authorization) != x_api_key


def _bearer(authorization: str) -> str:
    return authorization[7:] if authorization.lower().startswith("bearer ") else ""


def retry_after_header(retry_after: float) -> str:
    return str(max(1, round(retry_after + 0.5)))


CallerDep = Annotated[Caller, Depends(get_caller)]
