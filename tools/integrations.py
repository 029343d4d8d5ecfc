"""The integration registry: every outside service Dealix knows, how risky it is and what it may do.

The registry is data (``tools/data/integrations.yaml``), versioned and hashed like the policy file.
It does not switch anything on: it records, per integration, the launch phase, the risk, the safe
default it starts in, the environment variables it would read (names only, never values), and the
policy action ids it touches, split the way the policy decides them (allowed as draft or
suggestion, approval required, blocked). Tests hold these lists to the policy file, so the registry
can never promise more than the gateway allows.

Read it through :func:`load_integrations`, which caches per path; tests that rewrite a file call
``load_integrations.cache_clear()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from tools.canonical import canonical_action, is_valid_action
from tools.errors import NotFound, PolicyError

Category = Literal[
    "vector_store",
    "observability",
    "analytics",
    "error_tracking",
    "search",
    "enrichment",
    "tool_platform",
    "orchestration",
    "agent_framework",
    "email",
    "calendar",
    "spreadsheet",
    "payments",
    "messaging",
    "crm",
]
LaunchPhase = Literal["mvp", "beta", "ga", "later"]
RiskLevel = Literal["low", "medium", "high"]
SafeDefault = Literal["disabled", "offline", "draft_only", "local_mode"]

_ARABIC_LETTER = frozenset(chr(c) for c in range(0x0621, 0x064B))


def _canonical_action_id(value: str) -> str:
    if canonical_action(value) != value or not is_valid_action(value):
        raise ValueError(f"{value!r} is not a canonical action id (lower-case 'namespace.verb')")
    return value


def _has_arabic(value: str) -> str:
    if not any(ch in _ARABIC_LETTER for ch in value):
        raise ValueError("must be written in Arabic")
    return value


ActionId = Annotated[str, AfterValidator(_canonical_action_id)]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ArabicText = Annotated[Text, AfterValidator(_has_arabic)]


class Integration(BaseModel):
    """One outside service, the state it starts in and the policy actions it may touch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug = Field(description="Stable id of the integration, e.g. 'gmail_draft'.")
    category: Category = Field(description="What kind of service it is.")
    use_case: Text = Field(description="What Dealix uses it for, one English sentence.")
    launch_phase: LaunchPhase = Field(description="The release in which it may first be enabled.")
    risk_level: RiskLevel = Field(description="Harm if it misbehaves: data leaving, messages, money.")
    required_env_vars: tuple[EnvVarName, ...] = Field(
        description="Names of the environment variables it reads. Names only: values never live here."
    )
    safe_default: SafeDefault = Field(
        description="The state it runs in until someone deliberately changes it."
    )
    blocked_actions: tuple[ActionId, ...] = Field(
        default=(), description="Policy actions through it that are always refused."
    )
    approval_required_actions: tuple[ActionId, ...] = Field(
        default=(), description="Policy actions through it that run only with a human approval."
    )
    allowed_actions: tuple[ActionId, ...] = Field(
        default=(), description="Policy actions through it that only draft or suggest."
    )
    notes_ar: ArabicText = Field(
        description="For the operator, in Arabic: why it starts in its safe default."
    )
    test_required: bool | Text = Field(
        description="Whether a test must exist before it is enabled, or a description of that test."
    )

    @model_validator(mode="after")
    def _each_action_has_one_mode(self) -> Integration:
        seen: set[str] = set()
        for action in (*self.blocked_actions, *self.approval_required_actions, *self.allowed_actions):
            if action in seen:
                raise ValueError(f"action {action!r} is listed twice for {self.name!r}")
            seen.add(action)
        return self

    @property
    def actions(self) -> frozenset[str]:
        """Every policy action id this integration touches, whatever its mode."""
        return frozenset((*self.blocked_actions, *self.approval_required_actions, *self.allowed_actions))


class _IntegrationsFile(BaseModel):
    """The shape of ``integrations.yaml`` itself."""

    model_config = ConfigDict(extra="forbid")

    version: Text = Field(description="Bumped on every change to the file.")
    integrations: list[Integration] = Field(min_length=1, description="Every known integration.")

    @field_validator("integrations")
    @classmethod
    def _names_are_unique(cls, value: list[Integration]) -> list[Integration]:
        names = [item.name for item in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate integration names: {', '.join(duplicates)}")
        return value


class IntegrationRegistry(BaseModel):
    """The loaded registry: its version, the sha256 of the file it came from, the integrations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(description="Version declared by the file.")
    sha256: str = Field(description="sha256 of the file's bytes, recorded wherever the registry is used.")
    source: str = Field(description="Where the file was read from.")
    integrations: tuple[Integration, ...] = Field(description="Every known integration, in file order.")

    def get(self, name: str) -> Integration:
        """The integration called ``name``; :class:`~tools.errors.NotFound` if there is none."""
        for integration in self.integrations:
            if integration.name == name:
                return integration
        raise NotFound(
            f"لا يوجد تكامل باسم «{name}» في سجل التكاملات.",
            f"No integration named {name!r} in the registry.",
            code="integration_not_found",
        )

    def names(self) -> tuple[str, ...]:
        return tuple(integration.name for integration in self.integrations)

    def items(self) -> list[tuple[str, Integration]]:
        return [(integration.name, integration) for integration in self.integrations]

    # BaseModel iterates over (field, value) pairs; a registry iterates over its entries instead.
    def __iter__(self) -> Iterator[Integration]:  # type: ignore[override]
        return iter(self.integrations)

    def __len__(self) -> int:
        return len(self.integrations)

    def __contains__(self, name: object) -> bool:
        return name in self.names()


def _read_bundled() -> tuple[str, bytes]:
    resource = resources.files("tools").joinpath("data").joinpath("integrations.yaml")
    return "tools/data/integrations.yaml", resource.read_bytes()


def _invalid(source: str, detail: str) -> PolicyError:
    return PolicyError(
        f"ملف سجل التكاملات ({source}) غير صالح ولم يُحمَّل: {detail}. يُرجى تصحيحه ثم إعادة المحاولة.",
        f"Invalid integration registry {source}: {detail}",
        code="integration_registry_invalid",
    )


def _describe(error: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in item['loc']) or '<root>'}: {item['msg']}" for item in error.errors()]
    more = f" (+{len(parts) - 5} more)" if len(parts) > 5 else ""
    return "; ".join(parts[:5]) + more


@lru_cache(maxsize=8)
def load_integrations(path: Path | None = None) -> IntegrationRegistry:
    """Load and validate the integration registry (the bundled file unless ``path`` is given).

    Raises :class:`~tools.errors.PolicyError`, with an Arabic and an English message, when the
    file is missing, is not YAML, or does not match the schema.
    """
    try:
        source, raw = _read_bundled() if path is None else (str(path), path.read_bytes())
    except OSError as exc:
        raise _invalid(str(path or "tools/data/integrations.yaml"), f"cannot read the file ({exc})") from exc
    try:
        data: Any = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _invalid(source, f"not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise _invalid(source, "the file must be a mapping with 'version' and 'integrations'")
    try:
        parsed = _IntegrationsFile.model_validate(data)
    except ValidationError as exc:
        raise _invalid(source, _describe(exc)) from exc
    return IntegrationRegistry(
        version=parsed.version,
        sha256=hashlib.sha256(raw).hexdigest(),
        source=source,
        integrations=tuple(parsed.integrations),
    )
