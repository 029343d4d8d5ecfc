"""The one loader of the console's and public pages' texts (``data/ui.yaml``, ``data/pages.yaml``).

Texts are bilingual ``{ar, en}`` pairs; :func:`localize` picks one language for a template.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["ar", "en"]


class Text(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Card(_Frozen):
    title: Text
    text: Text


class Step(_Frozen):
    title: Text
    text: Text


class CardsBlock(_Frozen):
    kind: Literal["cards"]
    heading: Text
    cards: list[Card]


class StepsBlock(_Frozen):
    kind: Literal["steps"]
    heading: Text
    steps: list[Step]


class WhatsAppBlock(_Frozen):
    kind: Literal["whatsapp"]
    heading: Text
    message: Text
    buttons: list[Text] = Field(min_length=1, max_length=3, description="A decision card has at most 3 buttons.")
    footnote: Text


class TableBlock(_Frozen):
    kind: Literal["table"]
    heading: Text
    columns: list[Text]
    rows: list[list[Text]]


class NoteBlock(_Frozen):
    kind: Literal["note"]
    text: Text


Block = Annotated[CardsBlock | StepsBlock | WhatsAppBlock | TableBlock | NoteBlock, Field(discriminator="kind")]


class Page(_Frozen):
    title: Text
    lead: Text
    blocks: list[Block]


class NavItem(_Frozen):
    slug: str
    ar: str
    en: str


class Pages(_Frozen):
    version: str
    nav: list[NavItem]
    cta: dict[str, Text]
    footer: Text
    pages: dict[str, Page]


class Ui(_Frozen):
    version: str
    ui: dict[str, Text]
    suggestions: dict[Lang, list[str]]
    rwu: dict[str, Text]


def _read(name: str) -> Any:
    return yaml.safe_load(resources.files("api.console").joinpath(f"data/{name}").read_bytes())


@lru_cache(maxsize=1)
def load_pages() -> Pages:
    return Pages.model_validate(_read("pages.yaml"))


@lru_cache(maxsize=1)
def load_ui() -> Ui:
    return Ui.model_validate(_read("ui.yaml"))


def localize(value: Any, lang: Lang) -> Any:
    """Every ``{ar, en}`` pair in a structure replaced by its text in ``lang``."""
    if isinstance(value, Text):
        return getattr(value, lang)
    if isinstance(value, BaseModel):
        return {name: localize(getattr(value, name), lang) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {k: localize(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [localize(v, lang) for v in value]
    return value


def ui_texts(lang: Lang) -> dict[str, str]:
    return {key: getattr(text, lang) for key, text in load_ui().ui.items()}
