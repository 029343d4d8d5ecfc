"""Request size limits and per-key rate limits.

- :class:`BodySizeLimit` (ASGI middleware): a request body larger than the limit is refused with
  413 problem+json before a route reads it — by ``Content-Length`` up front, and by counting the
  bytes of a chunked body as they arrive. Multipart uploads get a larger limit than JSON; the
  upload routes check their own, finer limit on top.
- :class:`KeyRateLimiter`: a token bucket per API key (``limit`` requests per ``per_seconds``,
  bursts up to ``limit``). In memory, so per process: with several API workers each one counts
  its own share, which is the documented trade-off of the embedded default.
- :class:`SharedKeyRateLimiter` (``DEALIX_RATE_LIMIT_STORAGE=redis://…``): one moving window per
  API key in Redis through the ``limits`` library, shared by every worker, so all of them together
  let through at most ``limit`` requests in any ``per_seconds``. If Redis cannot be reached the
  worker falls back to its own bucket (logged) rather than refusing every request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response

log = logging.getLogger("dealix.api")


def _too_large_detail(limit: int) -> dict[str, str]:
    kib = max(1, limit // 1024)
    return {"code": "payload_too_large", "message_ar": f"حجم الطلب أكبر من الحد المسموح ({kib} كيلوبايت).",
            "message_en": f"The request body is larger than the limit of {kib} KiB."}


class _TooLarge(HTTPException):
    """Raised from ``receive`` mid-body; FastAPI re-raises HTTP exceptions, so the route answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_detail(limit))


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, receive, send, limit)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = _too_large_detail(limit)
        response = problem_response(413, "payload_too_large", request=Request(scope),
                                    message_ar=detail["message_ar"], message_en=detail["message_en"])
        await response(scope, receive, send)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class KeyRateLimiter:
    """Token buckets keyed by API key id; thread-safe (sync routes run in a thread pool)."""

    def __init__(self, *, limit: int, per_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and per_seconds > 0")
        self.limit = limit
        self.per_seconds = per_seconds
        self._rate = limit / per_seconds
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Take one token for ``key``: None when allowed, else the seconds to wait before retrying."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(self.limit), updated=now)
            bucket.tokens = min(float(self.limit), bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self._rate


class RateLimiter(Protocol):
    def hit(self, key: str) -> float | None: ...


class SharedKeyRateLimiter:
    """A per-key moving window shared by every worker (Redis through the ``limits`` library)."""

    def __init__(self, *, limit: int, per_seconds: float, storage_url: str,
                 fallback: KeyRateLimiter | None = None) -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        if limit < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and per_seconds > 0")
        self.limit, self.per_seconds = limit, per_seconds
        self._item = RateLimitItemPerSecond(limit, max(1, round(per_seconds)))
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._fallback = fallback or KeyRateLimiter(limit=limit, per_seconds=per_seconds)
        self._warned = False

    def hit(self, key: str) -> float | None:
        """None when allowed, else the seconds until the window lets one more request through."""
        try:
            if self._limiter.hit(self._item, "dealix-api-key", key):
                return None
            reset = self._limiter.get_window_stats(self._item, "dealix-api-key", key).reset_time
        except Exception as error:  # the storage is down: this worker's own bucket, rather than no API at all
            if not self._warned:
                log.warning("shared rate limit storage unreachable (%s); limiting per worker", type(error).__name__)
                self._warned = True
            return self._fallback.hit(key)
        self._warned = False
        return max(0.001, reset - time.time())


def build_rate_limiter(*, limit: int, per_seconds: float, storage_url: str | None) -> RateLimiter:
    """In-process buckets by default; shared by every worker when a storage URL is configured."""
    if storage_url:
        return SharedKeyRateLimiter(limit=limit, per_seconds=per_seconds, storage_url=storage_url)
    return KeyRateLimiter(limit=limit, per_seconds=per_seconds)
