"""The skill registry: one spec per skill, and the least-privilege map the gateway enforces.

Each skill declares the policy actions it may ask for; the gateway refuses any other action from
it (``rules.skill_not_allowed``) and any action from a skill that is not here
(``rules.unknown_skill``). The specs are data (``skills/data/skills.yaml``), versioned and hashed.

Read it through :func:`load_skills`, which caches per path; tests that rewrite a file call
``load_skills.cache_clear()``.
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
)

from tools.canonical import canonical_action, is_valid_action
from tools.errors import NotFound, PolicyError

Owner = Literal["agent", "human"]
RiskLevel = Literal["low", "medium", "high"]

_ARABIC_LETTER = frozenset(chr(c) for c in range(0x0621, 0x064B))


def _canonical_action_id(value: str) -> str:
    if canonical_action(value) != value or not is_valid_action(value):
        raise ValueError(f"{value!r} is not a canonical action id (lower-case 'namespace.verb')")
    return value


def _has_arabic(value: str) -> str:
    if not any(ch in _ARABIC_LETTER for ch in value):
        raise ValueError("must be written in Arabic")
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"listed more than once: {', '.join(duplicates)}")
    return values


ActionId = Annotated[str, AfterValidator(_canonical_action_id)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ArabicText = Annotated[Text, AfterValidator(_has_arabic)]


class SkillExample(BaseModel):
    """One worked example: what the skill is given and what it should produce."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: Text = Field(description="What the skill receives, in short.")
    expected: Text = Field(description="What a correct result looks like.")


class SkillSpec(BaseModel):
    """What one skill is for, what it may do, and how we know it works."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    skill_id: Slug = Field(description="Stable id; the gateway's ToolCall.skill names it.")
    owner: Owner = Field(description="'agent' for a graph node, 'human' for a step a person performs.")
    purpose: Text = Field(description="What the skill is for, in English.")
    purpose_ar: ArabicText = Field(description="What the skill is for, in Arabic, for the operator.")
    allowed_actions: Annotated[tuple[ActionId, ...], AfterValidator(_unique)] = Field(
        description="Policy action ids the skill may ask for; the gateway refuses every other one."
    )
    inputs: Annotated[tuple[Slug, ...], AfterValidator(_unique)] = Field(
        min_length=1, description="Names of what the skill reads."
    )
    outputs: Annotated[tuple[Slug, ...], AfterValidator(_unique)] = Field(
        min_length=1, description="Names of what the skill produces."
    )
    acceptance_criteria: tuple[Text, ...] = Field(
        min_length=1, description="Short statements a result must satisfy."
    )
    verification_method: Text = Field(description="The test or eval that checks the acceptance criteria.")
    risk_level: RiskLevel = Field(description="Harm if the skill misbehaves.")
    examples: tuple[SkillExample, ...] = Field(min_length=1, description="At least one worked example.")


class _SkillsFile(BaseModel):
    """The shape of ``skills.yaml`` itself."""

    model_config = ConfigDict(extra="forbid")

    version: Text = Field(description="Bumped on every change to the file.")
    skills: list[SkillSpec] = Field(min_length=1, description="Every registered skill.")

    @field_validator("skills")
    @classmethod
    def _ids_are_unique(cls, value: list[SkillSpec]) -> list[SkillSpec]:
        ids = [skill.skill_id for skill in value]
        duplicates = sorted({skill_id for skill_id in ids if ids.count(skill_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate skill ids: {', '.join(duplicates)}")
        return value


class SkillRegistry(BaseModel):
    """The loaded registry: its version, the sha256 of the file it came from, the skills."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(description="Version declared by the file.")
    sha256: str = Field(description="sha256 of the file's bytes, recorded wherever the registry is used.")
    source: str = Field(description="Where the file was read from.")
    skills: tuple[SkillSpec, ...] = Field(description="Every registered skill, in file order.")

    def get(self, skill_id: str) -> SkillSpec:
        """The skill ``skill_id``; :class:`~tools.errors.NotFound` if it is not registered."""
        for skill in self.skills:
            if skill.skill_id == skill_id:
                return skill
        raise NotFound(
            f"لا توجد مهارة باسم «{skill_id}» في سجل المهارات.",
            f"No skill {skill_id!r} in the registry.",
            code="skill_not_found",
        )

    def actions_by_skill(self) -> dict[str, frozenset[str]]:
        """Skill id to the actions it may ask for: the gateway's least-privilege input."""
        return {skill.skill_id: frozenset(skill.allowed_actions) for skill in self.skills}

    def ids(self) -> tuple[str, ...]:
        return tuple(skill.skill_id for skill in self.skills)

    # BaseModel iterates over (field, value) pairs; a registry iterates over its skills instead.
    def __iter__(self) -> Iterator[SkillSpec]:  # type: ignore[override]
        return iter(self.skills)

    def __len__(self) -> int:
        return len(self.skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self.ids()


def _read_bundled() -> tuple[str, bytes]:
    resource = resources.files("skills").joinpath("data").joinpath("skills.yaml")
    return "skills/data/skills.yaml", resource.read_bytes()


def _invalid(source: str, detail: str) -> PolicyError:
    return PolicyError(
        f"ملف سجل المهارات ({source}) غير صالح ولم يُحمَّل: {detail}. يُرجى تصحيحه ثم إعادة المحاولة.",
        f"Invalid skill registry {source}: {detail}",
        code="skill_registry_invalid",
    )


def _describe(error: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in item['loc']) or '<root>'}: {item['msg']}" for item in error.errors()]
    more = f" (+{len(parts) - 5} more)" if len(parts) > 5 else ""
    return "; ".join(parts[:5]) + more


@lru_cache(maxsize=8)
def load_skills(path: Path | None = None) -> SkillRegistry:
    """Load and validate the skill registry (the bundled file unless ``path`` is given).

    Raises :class:`~tools.errors.PolicyError`, with an Arabic and an English message, when the
    file is missing, is not YAML, or does not match the schema (unknown fields included).
    """
    try:
        source, raw = _read_bundled() if path is None else (str(path), path.read_bytes())
    except OSError as exc:
        raise _invalid(str(path or "skills/data/skills.yaml"), f"cannot read the file ({exc})") from exc
    try:
        data: Any = yaml.load(raw, Loader=yaml.CSafeLoader)  # safe, in libyaml: ~4x the pure-Python speed
    except yaml.YAMLError as exc:
        raise _invalid(source, f"not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise _invalid(source, "the file must be a mapping with 'version' and 'skills'")
    try:
        parsed = _SkillsFile.model_validate(data)
    except ValidationError as exc:
        raise _invalid(source, _describe(exc)) from exc
    return SkillRegistry(
        version=parsed.version,
        sha256=hashlib.sha256(raw).hexdigest(),
        source=source,
        skills=tuple(parsed.skills),
    )
