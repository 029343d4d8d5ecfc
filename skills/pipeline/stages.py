"""The one loader of ``data/stages.yaml``: tracks, their stages and each stage's win probability."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Track = Literal["direct", "partner", "expansion"]
TRACKS: tuple[Track, ...] = ("direct", "partner", "expansion")
ClosedStage = Literal["won", "lost"]
ErrorCode = Literal["unknown_stage", "value_invalid", "date_invalid", "referral_not_found", "details_missing"]
DATA = Path(__file__).parent / "data" / "stages.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stage(_Frozen):
    probability: float = Field(ge=0, le=1, description="Share of a deal's value the weighted forecast counts.")
    name_ar: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class TrackInfo(_Frozen):
    name_ar: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    stages: dict[str, Stage] = Field(min_length=1, description="Open stages, in pipeline order.")


class Message(_Frozen):
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class StagesFile(_Frozen):
    version: str
    tracks: dict[Track, TrackInfo]
    closed: dict[ClosedStage, Stage]
    errors: dict[ErrorCode, Message]

    def stage(self, track: Track, stage: str) -> Stage:
        """The stage of a track (or won / lost); KeyError when the track has no such stage."""
        if stage in self.closed:
            return self.closed[stage]
        return self.tracks[track].stages[stage]

    def order(self, track: Track, stage: str) -> int:
        names = [*self.tracks[track].stages, *self.closed]
        return names.index(stage) if stage in names else len(names)

    def knows(self, track: Track, stage: str) -> bool:
        return stage in self.closed or stage in self.tracks[track].stages


@lru_cache(maxsize=1)
def load_stages() -> StagesFile:
    return StagesFile.model_validate(yaml.safe_load(DATA.read_text(encoding="utf-8")))
