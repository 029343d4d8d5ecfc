"""Load shedding: at most ``max_inflight`` requests are worked on at once; the rest are refused at the door.

A request that arrives while the bound is reached is answered 503 ``overloaded`` (problem+json,
an Arabic message, ``Retry-After``) before any other middleware, dependency or route runs: no key
is checked, no body is read, nothing is written. A client that retries after the delay finds room;
without this, an overloaded worker queues requests until every client's latency is its timeout.

The count is per worker process (requests run on its one event loop, so a plain counter is
exact). The liveness and readiness probes are exempt, so an orchestrator does not restart a
worker for being busy.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem_response

EXEMPT_PATHS = frozenset({"/api/v1/health", "/api/v1/ready"})
RETRY_AFTER_SECONDS = 1


class LoadShedding:
    def __init__(self, app: ASGIApp, *, max_inflight: int) -> None:
        if max_inflight < 1:
            raise ValueError("max_inflight must be at least 1")
        self.app = app
        self.max_inflight = max_inflight
        self.inflight = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.max_inflight:
            self.shed += 1
            response = problem_response(503, "overloaded", request=Request(scope),
                                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            await response(scope, receive, send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
