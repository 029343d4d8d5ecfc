"""The one loader of prompt and message templates.

Every template is a file under ``prompts/templates/`` with a YAML front-matter block that names
it (``id``), versions it (``version``), declares every variable it reads (with a description)
and gives an ``example`` value for each, so a test can render every template. The body is a
Jinja2 template rendered with ``StrictUndefined``: a missing variable is an error, never an empty
string. Each rendered text carries the id, version and sha256 of the template that made it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# fragment: a piece a message template is built from (an opening, an ask), rendered by code, never sent alone.
TemplateKind = Literal["instructions", "brief", "message", "fragment"]

# Plain text and Markdown, never HTML: whatever renders them to HTML escapes them there.
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701


class PromptError(Exception):
    """A template file is invalid, unknown, or was rendered with the wrong variables."""


class PromptRef(BaseModel):
    """Which template made a text: recorded on every draft."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Template id, e.g. 'outreach.email.ar'.")
    version: int = Field(description="Template version, bumped on every wording change.")
    sha256: str = Field(description="sha256 of the template file's bytes.")


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    version: int = Field(ge=1)
    kind: TemplateKind
    description: str
    channel: Literal["email", "whatsapp"] | None = None
    language: Literal["ar", "en"] | None = None
    subject: str | None = Field(default=None, description="Jinja template of an email subject line.")
    variables: dict[str, str] = Field(description="Every variable the template reads, with what it means.")
    example: dict[str, Any] = Field(description="An example value for every declared variable.")


class PromptTemplate:
    """One loaded template. ``render`` refuses undeclared or missing variables."""

    def __init__(self, meta: _FrontMatter, body: str, sha256: str, source: str) -> None:
        self.meta = meta
        self.ref = PromptRef(id=meta.id, version=meta.version, sha256=sha256)
        self.source = source
        self._body: Template = _env.from_string(body)
        self._subject: Template | None = _env.from_string(meta.subject) if meta.subject else None

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> int:
        return self.meta.version

    def _check(self, variables: dict[str, Any]) -> None:
        declared = set(self.meta.variables)
        given = set(variables)
        if given != declared:
            missing, extra = sorted(declared - given), sorted(given - declared)
            raise PromptError(f"template {self.id}: missing variables {missing}, undeclared variables {extra}")

    def render(self, **variables: Any) -> str:
        self._check(variables)
        return self._body.render(**variables).strip()

    def render_subject(self, **variables: Any) -> str | None:
        self._check(variables)
        return self._subject.render(**variables).strip() if self._subject else None


def parse_template(raw: bytes, *, source: str) -> PromptTemplate:
    text = raw.decode("utf-8")
    if not text.startswith("---\n"):
        raise PromptError(f"{source}: a template starts with a '---' front-matter block")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"{source}: the front-matter block is not closed with '---'")
    try:
        meta = _FrontMatter.model_validate(yaml.safe_load(head))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{source}: invalid front matter: {exc}") from exc
    if set(meta.example) != set(meta.variables):
        raise PromptError(f"{source}: 'example' must give a value for exactly the declared variables")
    return PromptTemplate(meta, body, hashlib.sha256(raw).hexdigest(), source)


@lru_cache(maxsize=1)
def load_prompts() -> dict[str, PromptTemplate]:
    """Every bundled template by id. Ids are unique; a duplicate is an error."""
    found: dict[str, PromptTemplate] = {}
    folder = resources.files("prompts").joinpath("templates")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".j2"):
            continue
        template = parse_template(entry.read_bytes(), source=f"prompts/templates/{entry.name}")
        if template.id in found:
            raise PromptError(f"duplicate template id {template.id} ({found[template.id].source}, {template.source})")
        found[template.id] = template
    return found


def get_prompt(template_id: str) -> PromptTemplate:
    try:
        return load_prompts()[template_id]
    except KeyError:
        raise PromptError(f"no template with id {template_id!r}") from None
