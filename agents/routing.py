"""Model routing: which model serves a skill, how a failing model is retried, and the fall back to offline.

    settings.model_route(skill) ─▶ primary ─▶ fallbacks … ─▶ offline   (the chain always ends offline)

    one OpenAI-compatible request ──▶ httpx2 client whose transport retries it
        (pydantic-ai's AsyncHTTPX2TenacityTransport: connection errors, timeouts, 429 and 5xx,
         exponential backoff, a Retry-After header wins; the SDK's own retries are off)
    still failing ──▶ pydantic-ai's FallbackModel tries the next route (any ModelAPIError)
    offline ──▶ a FunctionModel over vetted templates: it does not fail

Each route is wrapped in a :class:`RecordedModel`, which notes in the run's :class:`CallMeter` (a
context variable set around one agent run) which route answered, which failed and why, and how many
attempts were made. A *guard* failure (the agent's output validator rejecting every answer) is not a
model failure: the model answered, so nothing falls back; the caller records it as a guard failure.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

import httpx2
from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelHTTPError,
    ModelRateLimitError,
    ModelRequestRejectedError,
    ModelServerError,
    ModelTimeoutError,
)
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.retries import AsyncHTTPX2TenacityTransport, RetryConfig, wait_retry_after
from pydantic_ai.settings import ModelSettings
from tenacity import RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.settings import Settings

Sleep = Callable[[float], Awaitable[None]]
FailureKind = Literal["timeout", "connection", "rate_limited", "server_error", "rejected", "other"]
OFFLINE = "offline"


@dataclass
class CallMeter:
    """What happened inside one agent run, model-wise (never a prompt or an answer)."""

    attempts: int = 0
    served: list[str] = field(default_factory=list)
    failures: list[tuple[str, FailureKind]] = field(default_factory=list)
    last_transport_error: FailureKind | None = None

    @property
    def served_by(self) -> str | None:
        return self.served[-1] if self.served else None

    def failed_routes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(label for label, _ in self.failures))


_METER: ContextVar[CallMeter | None] = ContextVar("dealix_model_call_meter", default=None)


@contextmanager
def metered() -> Iterator[CallMeter]:
    """Meter the model requests of one agent run made inside the block."""
    meter = CallMeter()
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def failure_kind(exc: BaseException) -> FailureKind:
    if isinstance(exc, ModelTimeoutError | httpx2.TimeoutException):
        return "timeout"
    if isinstance(exc, ModelRateLimitError):
        return "rate_limited"
    if isinstance(exc, ModelServerError):
        return "server_error"
    if isinstance(exc, ModelRequestRejectedError):
        return "rejected"
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        return "rate_limited" if status == 429 else "server_error" if status >= 500 else "rejected"
    if isinstance(exc, ModelHTTPError):
        return "server_error" if exc.status_code >= 500 else "rejected"
    if isinstance(exc, httpx2.TransportError | ModelAPIError):
        return "connection"
    return "other"


class RecordedModel(WrapperModel):
    """One route of the chain: forwards to its model and notes the outcome in the run's meter."""

    def __init__(self, wrapped: Model, label: str, *, counts_attempts: bool) -> None:
        super().__init__(wrapped)
        self.route_label = label
        self._counts_attempts = counts_attempts  # an HTTP route's transport counts its own attempts

    async def request(self, messages: list[ModelMessage], model_settings: ModelSettings | None,
                      model_request_parameters: ModelRequestParameters) -> ModelResponse:
        meter = _METER.get()
        if meter is not None:
            meter.last_transport_error = None
            if self._counts_attempts:
                meter.attempts += 1
        try:
            response = await super().request(messages, model_settings, model_request_parameters)
        except Exception as exc:
            if meter is not None:
                meter.failures.append((self.route_label, meter.last_transport_error or failure_kind(exc)))
            raise
        if meter is not None:
            meter.served.append(self.route_label)
        return response


@dataclass(frozen=True)
class Route:
    """One model of a skill's chain and the label recorded for it ('offline', 'openai:NAME')."""

    label: str
    model: Model


def chain_model(routes: Sequence[Route]) -> Model:
    """The routes as one model: each recorded, tried in order by pydantic-ai's ``FallbackModel``."""
    recorded = [RecordedModel(r.model, r.label, counts_attempts=not r.label.startswith("openai:")) for r in routes]
    if len(recorded) == 1:
        return recorded[0]
    return FallbackModel(recorded[0], *recorded[1:], fallback_on=(ModelAPIError,))


def _retryable(response: httpx2.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        response.raise_for_status()


def _note_attempt(state: RetryCallState) -> None:
    meter = _METER.get()
    if meter is not None:
        meter.attempts += 1


def _note_failure(state: RetryCallState) -> None:
    meter = _METER.get()
    exc = state.outcome.exception() if state.outcome is not None else None
    if meter is not None and exc is not None:
        meter.last_transport_error = failure_kind(exc)


async def _asyncio_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def retry_config(settings: Settings, *, sleep: Sleep | None = None) -> RetryConfig:
    """Bounded tries with exponential backoff (``model_retry_attempts``, ``model_backoff_*``)."""
    backoff = wait_exponential(multiplier=settings.model_backoff_seconds, max=settings.model_backoff_max_seconds)
    return RetryConfig(
        retry=retry_if_exception_type((httpx2.HTTPStatusError, httpx2.TransportError)),
        wait=wait_retry_after(fallback_strategy=backoff, max_wait=settings.model_backoff_max_seconds),
        stop=stop_after_attempt(settings.model_retry_attempts),
        sleep=sleep or _asyncio_sleep,
        before=_note_attempt,
        after=_note_failure,
        reraise=True,
    )


class _LoopLocalTransport(httpx2.AsyncBaseTransport):
    """One connection pool per event loop: each ``run_sync`` (one per graph worker thread) may run on its own loop,
    and a pooled connection must not outlive the loop that opened it."""

    def __init__(self) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx2.AsyncHTTPTransport] = (
            weakref.WeakKeyDictionary())

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = httpx2.AsyncHTTPTransport()
        return await pool.handle_async_request(request)


def retrying_http_client(settings: Settings, *, sleep: Sleep | None = None) -> httpx2.AsyncClient:
    """The HTTP client of an OpenAI-compatible route: every request retried by pydantic-ai's tenacity transport."""
    transport = AsyncHTTPX2TenacityTransport(retry_config(settings, sleep=sleep), wrapped=_LoopLocalTransport(),
                                             validate_response=_retryable)
    return httpx2.AsyncClient(transport=transport, timeout=settings.model_timeout_seconds)


def request_settings(settings: Settings) -> ModelSettings:
    """Per-request settings of an OpenAI-compatible route: our transport owns retrying, the SDK makes one try."""
    return ModelSettings(max_retries=0, timeout=settings.model_timeout_seconds)
