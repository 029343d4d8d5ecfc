"""Model-call records: one row per agent call (a draft, a negotiation reply), for the model-routing view.

A row holds who (tenant, skill), which route served it and whether it fell back (and from what), the
attempts, pydantic-ai's token usage, the latency, the guard's verdict and a cost *estimate* (prices per
1,000 tokens in ``agents/data/model_prices.yaml``; the offline model costs nothing; a model with no
price has none). Never a prompt, an answer, a lead's name or a phone number: the columns are counts,
labels and times, and the labels come from settings, not from the lead.

The table lives in the gateway's store (the same database as the audit log and the ledger), created
with portable SQL (``?`` placeholders), so the PostgreSQL twin can translate it like the others.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai.usage import RunUsage

from agents.routing import OFFLINE, CallMeter, metered
from tools.saudi_time import Clock, system_clock

MODEL_CALLS_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS model_calls (
    call_id        TEXT PRIMARY KEY,
    tenant         TEXT NOT NULL,
    skill          TEXT NOT NULL,
    route          TEXT NOT NULL,
    model          TEXT,
    ok             INTEGER NOT NULL,
    fell_back      INTEGER NOT NULL,
    fell_back_from TEXT,
    failure_kinds  TEXT,
    attempts       INTEGER NOT NULL,
    requests       INTEGER NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    latency_ms     INTEGER NOT NULL,
    guard_ok       INTEGER NOT NULL,
    cost_sar       REAL,
    ts             TEXT NOT NULL
)""", "CREATE INDEX IF NOT EXISTS model_calls_tenant ON model_calls (tenant, ts)")

_INSERT = ("INSERT INTO model_calls (call_id, tenant, skill, route, model, ok, fell_back, fell_back_from, "
           "failure_kinds, attempts, requests, input_tokens, output_tokens, latency_ms, guard_ok, cost_sar, ts) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SELECT = ("SELECT call_id, tenant, skill, route, model, ok, fell_back, fell_back_from, failure_kinds, attempts, "
           "requests, input_tokens, output_tokens, latency_ms, guard_ok, cost_sar, ts FROM model_calls "
           "WHERE tenant = ? AND ts >= ? ORDER BY ts, call_id")
_COLUMNS = ("call_id", "tenant", "skill", "route", "model", "ok", "fell_back", "fell_back_from", "failure_kinds",
            "attempts", "requests", "input_tokens", "output_tokens", "latency_ms", "guard_ok", "cost_sar", "ts")


class ModelCall(BaseModel):
    """One agent call, as recorded."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    tenant: str
    skill: str
    route: tuple[str, ...] = Field(description="The chain: primary first, ending 'offline'.")
    model: str | None = Field(description="The route that served the call; None when none did.")
    ok: bool = Field(description="A model answered (whatever the guard then said).")
    fell_back: bool
    fell_back_from: tuple[str, ...] = Field(default=(), description="Routes that failed before the one that served.")
    failure_kinds: tuple[str, ...] = Field(default=(), description="Why they failed: timeout, connection, "
                                           "rate_limited, server_error, rejected, other.")
    attempts: int = Field(description="HTTP attempts and offline requests together, retries included.")
    requests: int = Field(description="Model requests the agent made (guard retries included).")
    input_tokens: int
    output_tokens: int
    latency_ms: int
    guard_ok: bool = Field(description="The output guard passed the final answer.")
    cost_sar: float | None = Field(description="An estimate from the price file; None when the model has no price.")
    ts: datetime


class _Price(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_per_1k_usd: float = Field(ge=0)
    output_per_1k_usd: float = Field(ge=0)


class ModelPrices(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    usd_to_sar: float = Field(gt=0)
    models: dict[str, _Price]

    def estimate_sar(self, model: str | None, input_tokens: int, output_tokens: int) -> float | None:
        if model is None:
            return 0.0
        price = self.models.get(model)
        if price is None:
            return None
        usd = input_tokens / 1000 * price.input_per_1k_usd + output_tokens / 1000 * price.output_per_1k_usd
        return round(usd * self.usd_to_sar, 6)


@lru_cache(maxsize=1)
def load_prices() -> ModelPrices:
    raw = resources.files("agents").joinpath("data/model_prices.yaml").read_bytes()
    return ModelPrices.model_validate(yaml.safe_load(raw))


class _Database(Protocol):
    def transaction(self) -> Any: ...

    def read(self) -> Any: ...


class ModelCallStore:
    """The ``model_calls`` table of a database (the gateway's store)."""

    def __init__(self, db: _Database) -> None:
        self._db = db
        with db.transaction() as conn:  # statement by statement: the Conn protocol of both backends
            for statement in MODEL_CALLS_SCHEMA:
                conn.execute(statement)

    def add(self, call: ModelCall) -> None:
        values = call.model_dump()
        values.update(route=">".join(call.route), fell_back_from=",".join(call.fell_back_from) or None,
                      failure_kinds=",".join(call.failure_kinds) or None, ok=int(call.ok),
                      fell_back=int(call.fell_back), guard_ok=int(call.guard_ok),
                      ts=call.ts.astimezone(UTC).isoformat())
        with self._db.transaction() as conn:
            conn.execute(_INSERT, tuple(values[c] for c in _COLUMNS))

    def calls(self, tenant: str, *, since: datetime | None = None) -> list[ModelCall]:
        start = since.astimezone(UTC).isoformat() if since is not None else ""
        with self._db.read() as conn:
            rows = conn.execute(_SELECT, (tenant, start)).fetchall()
        return [_from_row(dict(zip(_COLUMNS, tuple(row), strict=True))) for row in rows]


def _from_row(row: dict[str, Any]) -> ModelCall:
    split = lambda v: tuple(v.split(",")) if v else ()  # noqa: E731
    return ModelCall.model_validate({**row, "route": tuple(row["route"].split(">")),
                                     "fell_back_from": split(row["fell_back_from"]),
                                     "failure_kinds": split(row["failure_kinds"])})


@dataclass
class CallTicket:
    """Filled in by the agent call inside :func:`recorded_call`."""

    meter: CallMeter
    usage: RunUsage = field(default_factory=RunUsage)
    guard_ok: bool = False


class ModelCallRecorder:
    """Writes one tenant's model-call rows."""

    def __init__(self, store: ModelCallStore, tenant: str, *, clock: Clock = system_clock,
                 prices: ModelPrices | None = None) -> None:
        self.store, self.tenant, self.clock = store, tenant, clock
        self.prices = prices or load_prices()

    def record(self, skill: str, route: Sequence[str], ticket: CallTicket, latency_ms: int) -> ModelCall:
        meter, usage = ticket.meter, ticket.usage
        served = meter.served_by
        failed = meter.failed_routes()
        call = ModelCall(
            call_id=uuid.uuid4().hex, tenant=self.tenant, skill=skill, route=tuple(route), model=served,
            ok=served is not None, fell_back=any(label != route[0] for label in meter.served),
            fell_back_from=failed, failure_kinds=tuple(dict.fromkeys(kind for _, kind in meter.failures)),
            attempts=meter.attempts, requests=usage.requests, input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens, latency_ms=latency_ms, guard_ok=ticket.guard_ok,
            cost_sar=self.prices.estimate_sar(served, usage.input_tokens, usage.output_tokens)
            if served is not None else 0.0,
            ts=self.clock())
        self.store.add(call)
        return call


@contextmanager
def recorded_call(recorder: ModelCallRecorder | None, skill: str, route: Sequence[str]) -> Iterator[CallTicket]:
    """Meter one agent run and, with a recorder, write its row (also when the run raised)."""
    started = time.perf_counter()
    with metered() as meter:
        ticket = CallTicket(meter=meter)
        try:
            yield ticket
        finally:
            if recorder is not None:
                recorder.record(skill, route or (OFFLINE,), ticket, round((time.perf_counter() - started) * 1000))
