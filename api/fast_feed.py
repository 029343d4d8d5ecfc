"""The card feed's hot path: a feed already rendered, answered without the framework's request machinery.

``GET /api/v1/cards/feed`` is what every open console and phone polls. When nothing changed since
a feed was rendered (:class:`skills.cards.feed_cache.FeedCache`), the answer is bytes in memory,
and FastAPI's routing, dependency solving and validation would cost several times more than the
answer itself. This middleware answers such a request directly — with the same functions the
route uses, in the same order:

    API key (``X-API-Key``, else ``Authorization: Bearer``) ─▶ api.key_cache, memory only (a
    revoked key is refused at once) ─▶ query (role, limit, type) ─▶ role check ─▶ the tenant's
    cached feed ─▶ one rate-limit token (429 problem+json with Retry-After when empty) ─▶ 200

Anything it is not sure about goes to the route unchanged, which then does all of it: no key or a
console cookie, a key not verified before (or since the key store last changed), a query it does
not parse exactly as the route would (repeated or malformed values, ``opportunities``), another
role's feed, a feed not in the cache, an app with dependency overrides (tests). It sits inside
the load shedding and the security headers, so it is counted and its answers carry the same
headers.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import presented_key, retry_after_header, settings_of
from api.errors import problem_response
from api.key_cache import verified_keys
from api.routers.cards import cached_desk, feed_body
from api.services import Services
from skills.cards.feed_cache import FeedKey, feed_key
from skills.cards.models import CardType
from tools.models import Role

FEED_PATH = "/api/v1/cards/feed"
_JSON_HEADERS = [(b"content-type", b"application/json")]
_ROLES = {r.value: r for r in Role}
_TYPES = {t.value: t for t in CardType}
_DEFAULT_LIMIT = 20
_MAX_LIMIT = 200


class FastFeed:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != FEED_PATH:
            await self.app(scope, receive, send)
            return
        try:
            answer = self._answer(scope)
        except Exception:  # whatever went wrong, the route answers it (and maps it to problem+json)
            answer = None
        if answer is None:
            await self.app(scope, receive, send)
            return
        status, body, headers = answer
        if status == 429:
            response = problem_response(429, "rate_limited", request=Request(scope), headers=headers)
            await response(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _answer(scope: Scope) -> tuple[int, bytes, dict[str, str]] | None:
        app = scope.get("app")
        if app is None or app.dependency_overrides:
            return None
        state = app.state
        entry = state.services.get(id(settings_of(app)))
        if entry is None:
            return None
        services: Services = entry[1]
        x_api_key = authorization = None
        for name, value in scope["headers"]:
            if name == b"x-api-key" and x_api_key is None:
                x_api_key = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
        key = presented_key(x_api_key, authorization)
        if not key:
            return None
        record = verified_keys(services.keys).cached(key)  # never a store read on the event loop
        if record is None:
            return None
        caller = record.caller
        wanted = _query(scope.get("query_string", b""), caller.role)
        if wanted is None or (wanted[0] != caller.role and caller.role != Role.ceo):
            return None
        desk = cached_desk(state, services, caller.tenant)
        feed = desk.feeds.cached(wanted) if desk is not None else None
        if feed is None:
            return None
        retry_after = services.limiter.hit(record.key_id)
        if retry_after is not None:
            return 429, b"", {"Retry-After": retry_after_header(retry_after)}
        scope.setdefault("state", {})["key_id"] = record.key_id
        return 200, feed_body(feed), {}


def _query(raw: bytes, own: Role) -> FeedKey | None:
    """The feed key of a query the route would accept as is; None for anything else (the route decides)."""
    role, limit, types = own, _DEFAULT_LIMIT, None
    seen: set[str] = set()
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name == "type":
            if value not in _TYPES:
                return None
            types = [*(types or []), _TYPES[value]]
            continue
        if name in seen:
            return None
        seen.add(name)
        if name == "role":
            if value not in _ROLES:
                return None
            role = _ROLES[value]
        elif name == "limit":
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= _MAX_LIMIT:
                return None
            limit = int(value)
        elif name == "opportunities":
            return None
    return feed_key(role, limit, types)
