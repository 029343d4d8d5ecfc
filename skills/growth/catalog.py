"""The one loader of the growth loop's data files (``data/growth.yaml``, ``data/messages.yaml``).

Both files are validated against their models and hashed together, so a weekly report can say
which policy and wording produced it. Read through :func:`load_growth_catalog` (cached).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from skills.growth.models import DraftChannel, ObjectionClass, PlanChannel, ScoreId
from tools.models import Role

DATA_DIR = Path(__file__).parent / "data"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """One sentence in Arabic and English with ``{placeholders}``."""

    ar: str
    en: str

    def format(self, **params: Any) -> Text:
        return Text(ar=self.ar.format(**params), en=self.en.format(**params))


class ChannelRule(_Frozen):
    draft: DraftChannel | None = None
    draft_from_alternatives: tuple[DraftChannel, ...] = ()
    manual: Literal["partner_intro", "phone"] | None = None


class DailyPlanPolicy(_Frozen):
    channels: dict[PlanChannel, ChannelRule]


class FollowupPolicy(_Frozen):
    after_business_days: int = Field(ge=1, le=30)
    at: time
    max_unanswered: int = Field(ge=1, le=10)
    cooldown_days: int = Field(ge=1, le=365)
    holidays: tuple[date, ...] = ()


class ExperimentPolicy(_Frozen):
    alpha: float = Field(gt=0, lt=0.5)
    min_sample_per_variant: int = Field(ge=5)
    min_events: int = Field(ge=1)
    fisher_below_expected: float = Field(ge=0)
    assignment_buckets: int = Field(ge=100)
    manage_roles: tuple[Role, ...]


class ReportPolicy(_Frozen):
    min_group_size: int = Field(ge=1)
    top_objections: int = Field(ge=1, le=10)
    edit_rate_alarm: float = Field(gt=0, le=1)
    stop_rate_below: float = Field(ge=0, lt=1)


class ScoreSpec(_Frozen):
    formula_en: str
    formula_ar: str
    no_data_when: str
    goal: float | None = Field(default=None, gt=0)
    goal_sar: float | None = Field(default=None, gt=0)
    packs_goal: float | None = Field(default=None, gt=0)
    experiments_goal: float | None = Field(default=None, gt=0)
    weights: dict[str, float] = Field(default_factory=dict)


class GrowthPolicy(_Frozen):
    version: str
    daily_plan: DailyPlanPolicy
    followups: FollowupPolicy
    experiments: ExperimentPolicy
    weekly_report: ReportPolicy
    scores: dict[ScoreId, ScoreSpec]


class ReportTexts(_Frozen):
    title: str
    title_en: str
    week: str
    best_segment: str
    best_message: str
    best_channel: str
    worst_channel: str
    top_objections: str
    service_improvement: str
    next_experiment: str
    stop: str
    scores: str
    score: str
    value: str
    formula: str
    inputs: str
    no_data_short: str
    not_enough: str
    no_objections: str
    nothing_to_stop: str
    pick: str
    objection_line: str
    generated: str


class Improvements(_Frozen):
    objection: dict[ObjectionClass, Text]
    message_edits: Text
    worst_channel: Text
    default: Text


class NextExperimentTexts(_Frozen):
    continue_: Text = Field(alias="continue")
    channel: Text
    objection: Text
    default: Text
    default_segment: str


class StopTexts(_Frozen):
    channel: Text
    loser: Text
    message: Text


class Messages(_Frozen):
    version: str
    scores: dict[ScoreId, Text]
    score_inputs: dict[str, str]
    no_data: Text
    chain_broken: Text
    objections: dict[ObjectionClass, str]
    channels: dict[PlanChannel, str]
    metrics: dict[str, str]
    manual_step: dict[Literal["partner_intro", "phone"], str]
    followup: dict[Literal["scheduled", "cooldown"], Text]
    weekdays: tuple[str, str, str, str, str, str, str] = Field(description="Monday first, as date.weekday().")
    experiments: dict[Literal["winner", "no_difference", "insufficient_sample"], Text]
    report: ReportTexts
    improvements: Improvements
    next_experiment: NextExperimentTexts
    stop: StopTexts
    scorecard: dict[str, str]
    errors: dict[str, Text]
    cli: dict[str, str]


@dataclass(frozen=True)
class GrowthCatalog:
    policy: GrowthPolicy
    messages: Messages
    digest: str = ""

    def weekday_ar(self, day: date) -> str:
        return self.messages.weekdays[day.weekday()]

    def channel_ar(self, channel: str) -> str:
        return self.messages.channels.get(channel, channel)  # type: ignore[call-overload]

    def objection_ar(self, objection: ObjectionClass) -> str:
        return self.messages.objections[objection]


def _read(path: Path) -> tuple[bytes, Any]:
    raw = path.read_bytes()
    return raw, yaml.safe_load(raw)


@lru_cache(maxsize=4)
def load_growth_catalog(data_dir: Path = DATA_DIR) -> GrowthCatalog:
    policy_raw, policy = _read(data_dir / "growth.yaml")
    messages_raw, messages = _read(data_dir / "messages.yaml")
    digest = hashlib.sha256(policy_raw + b"\0" + messages_raw).hexdigest()
    return GrowthCatalog(policy=GrowthPolicy.model_validate(policy), messages=Messages.model_validate(messages),
                         digest=digest)


__all__ = ["ChannelRule", "FollowupPolicy", "GrowthCatalog", "GrowthPolicy", "Messages", "Text",
           "load_growth_catalog"]
