"""Words for ids (``data/labels.yaml``): what the chat and the console show instead of raw ids."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

LabelKind = Literal["actions", "modes", "statuses", "roles", "reasons", "card_types", "risk_levels", "events",
                    "fields"]


class _Word(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ar: str
    en: str


class LabelTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    actions: dict[str, _Word]
    modes: dict[str, _Word]
    statuses: dict[str, _Word]
    roles: dict[str, _Word]
    reasons: dict[str, _Word]
    card_types: dict[str, _Word]
    risk_levels: dict[str, _Word]
    events: dict[str, _Word]
    fields: dict[str, _Word]


@lru_cache(maxsize=1)
def load_labels() -> LabelTable:
    raw = resources.files("skills.operator").joinpath("data/labels.yaml").read_bytes()
    return LabelTable.model_validate(yaml.safe_load(raw))


def label(kind: LabelKind, key: str | None, lang: str = "ar") -> str:
    """The word for ``key``; an unknown id reads as words ("crm.update" → "crm update"), never as an id."""
    if not key:
        return ""
    word = getattr(load_labels(), kind).get(str(key))
    if word is not None:
        return str(word.en if lang == "en" else word.ar)
    return str(key).replace("_", " ").replace(".", " ")
