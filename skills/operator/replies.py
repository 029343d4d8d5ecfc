"""The one loader of the operator chat's replies (``data/replies.yaml``): plain text, Arabic first."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel, ConfigDict

from skills.operator.intents import Lang

# Plain text, never HTML: the console renders replies with textContent.
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701


class _Text(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ar: str
    en: str


class _Replies(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    replies: dict[str, _Text]
    channels: dict[str, _Text]


@lru_cache(maxsize=1)
def _load() -> tuple[_Replies, dict[tuple[str, str], Template]]:
    raw = resources.files("skills.operator").joinpath("data/replies.yaml").read_bytes()
    data = _Replies.model_validate(yaml.safe_load(raw))
    compiled = {(key, lang): _env.from_string(getattr(text, lang))
                for key, text in data.replies.items() for lang in ("ar", "en")}
    return data, compiled


def say(key: str, lang: Lang, **variables: Any) -> str:
    """The reply ``key`` in ``lang``; a missing variable is an error, never an empty string."""
    return _load()[1][(key, lang)].render(**variables).strip()


def reply_keys() -> list[str]:
    return sorted(_load()[0].replies)


def channel_label(channel: str | None, lang: Lang) -> str:
    channels = _load()[0].channels
    text = channels.get(channel or "none") or channels["none"]
    return str(getattr(text, lang))
