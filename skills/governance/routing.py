"""The model-routing view: which model serves each skill, and how those calls went over a window.

Per skill that calls a model (``tools.settings.MODEL_SKILLS``): its route from settings (primary, then the
fallbacks, ending offline) and, from the model-call records of this tenant (``agents/call_records.py``),
the calls, model failures (a call in which some route failed, after its retries), fallbacks (a call a later
route served), guard failures (the output guard refused every answer: the model answered, nothing fell
back), tokens, p50/p95 latency and the cost *estimate*. Labels and lines: ``data/model_routing.yaml``.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agents.call_records import ModelCall, ModelCallStore, load_prices
from skills.governance.models import Tally
from tools.gateway import Gateway
from tools.saudi_time import Clock, system_clock
from tools.settings import MODEL_SKILLS, ModelSkill, Settings

Health = Literal["ok", "degraded", "no_data"]
_DATA = Path(__file__).parent / "data" / "model_routing.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Label(_Frozen):
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _Cli(_Frozen):
    header: str
    row: str


class RoutingFile(_Frozen):
    version: str
    window_days: int = Field(ge=1, le=366)
    skills: dict[str, _Label]
    health: dict[Health, _Label]
    cost_note: _Label
    console: dict[str, _Label]
    cli: _Cli

    def labels(self, lang: Literal["ar", "en"]) -> dict[str, str]:
        return {k: getattr(v, lang) for k, v in self.console.items()}


@lru_cache(maxsize=1)
def load_routing_texts() -> RoutingFile:
    return RoutingFile.model_validate(yaml.safe_load(_DATA.read_text(encoding="utf-8")))


class SkillRouting(BaseModel):
    model_config = ConfigDict(frozen=True)

    skill: str
    name_ar: str
    name_en: str
    route: tuple[str, ...] = Field(description="Primary first, then the fallbacks in order; ends 'offline'.")
    calls: int
    failures: int = Field(description="Calls in which a route failed after its retries.")
    fallbacks: int = Field(description="Calls served by a later route than the primary.")
    unserved: int = Field(description="Calls no route served (none expected: the chain ends offline).")
    guard_failures: int = Field(description="Calls whose answers the output guard refused to the end.")
    attempts: int
    input_tokens: int
    output_tokens: int
    latency_p50_ms: int | None
    latency_p95_ms: int | None
    cost_estimate_sar: float = Field(description="Sum of the priced calls' estimates; not a bill.")
    unpriced_calls: int = Field(description="Calls by a model the price file does not list (no estimate).")
    served_by: list[Tally] = Field(description="Calls per model that served them.")
    failure_kinds: list[Tally] = Field(description="timeout, connection, rate_limited, server_error, rejected.")


class RetryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    timeout_seconds: float


class ModelRoutingReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    since: datetime
    window_days: int
    health: Health
    health_ar: str
    calls: int
    failures: int
    fallbacks: int
    guard_failures: int
    cost_estimate_sar: float
    cost_note_ar: str
    cost_note_en: str
    prices_version: str
    retry: RetryPolicy
    skills: list[SkillRouting]


def percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile (no interpolation): a latency that was really measured."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def skill_view(skill: str, route: tuple[str, ...], calls: list[ModelCall], texts: RoutingFile) -> SkillRouting:
    name = texts.skills.get(skill)
    latencies = [c.latency_ms for c in calls]
    priced = [c.cost_sar for c in calls if c.cost_sar is not None]
    served = Counter(c.model for c in calls if c.model is not None)
    kinds = Counter(k for c in calls for k in c.failure_kinds)
    return SkillRouting(
        skill=skill, name_ar=name.ar if name else skill, name_en=name.en if name else skill, route=route,
        calls=len(calls), failures=sum(1 for c in calls if c.fell_back_from or not c.ok),
        fallbacks=sum(c.fell_back for c in calls), unserved=sum(not c.ok for c in calls),
        guard_failures=sum(c.ok and not c.guard_ok for c in calls), attempts=sum(c.attempts for c in calls),
        input_tokens=sum(c.input_tokens for c in calls), output_tokens=sum(c.output_tokens for c in calls),
        latency_p50_ms=percentile(latencies, 0.50), latency_p95_ms=percentile(latencies, 0.95),
        cost_estimate_sar=round(sum(priced), 6), unpriced_calls=len(calls) - len(priced),
        served_by=_tallies(served), failure_kinds=_tallies(kinds))


def _tallies(counts: Counter[str]) -> list[Tally]:
    return [Tally(key=k, count=n) for k, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


class ModelRoutingView:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 texts: RoutingFile | None = None) -> None:
        if not tenant:
            raise ValueError("the model-routing view needs a tenant")
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.texts = texts or load_routing_texts()

    def report(self, days: int | None = None) -> ModelRoutingReport:
        now = self.clock()
        window = days or self.texts.window_days
        since = now - timedelta(days=window)
        calls = ModelCallStore(self.gateway.store).calls(self.tenant, since=since)
        by_skill: dict[str, list[ModelCall]] = {}
        for call in calls:
            by_skill.setdefault(call.skill, []).append(call)
        skills = [skill_view(s, self._route(s), by_skill.pop(s, []), self.texts) for s in MODEL_SKILLS]
        # A skill that is no longer routed but still has records in the window keeps its row.
        skills += [skill_view(s, (), rows, self.texts) for s, rows in sorted(by_skill.items())]
        health: Health = ("no_data" if not calls
                          else "degraded" if any(c.fell_back or not c.ok for c in calls) else "ok")
        prices = load_prices()
        return ModelRoutingReport(
            generated_at=now, since=since, window_days=window, health=health, health_ar=self.texts.health[health].ar,
            calls=len(calls), failures=sum(s.failures for s in skills), fallbacks=sum(s.fallbacks for s in skills),
            guard_failures=sum(s.guard_failures for s in skills),
            cost_estimate_sar=round(sum(s.cost_estimate_sar for s in skills), 6),
            cost_note_ar=self.texts.cost_note.ar, cost_note_en=self.texts.cost_note.en,
            prices_version=prices.version,
            retry=RetryPolicy(attempts=self.settings.model_retry_attempts,
                              backoff_seconds=self.settings.model_backoff_seconds,
                              backoff_max_seconds=self.settings.model_backoff_max_seconds,
                              timeout_seconds=self.settings.model_timeout_seconds),
            skills=skills)

    def _route(self, skill: ModelSkill) -> tuple[str, ...]:
        try:
            return self.settings.model_route(skill).chain
        except ValueError:  # an unknown DEALIX_MODEL: the view still opens; building the agent reports it
            return (self.settings.model.strip(),)
