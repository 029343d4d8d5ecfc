"""Trajectory checks: did the agent take the expected skills and actions, in one of four modes.

Modes follow the usual agent-trajectory definitions (as in LangChain's agentevals):

    strict ..... same steps, same order, same length
    unordered .. same steps (as a multiset), any order
    subset ..... every actual step is matched by a distinct reference step (nothing beyond the reference)
    superset ... every reference step was taken (extra steps allowed)

A reference step matches an actual one when every field the reference sets (skill, action,
mode) is equal; a field left out is a wildcard. Multiset matching is a bipartite matching
(augmenting paths), so wildcards never make the result depend on the order of the steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.observe import Observation

TrajectoryMode = Literal["strict", "unordered", "subset", "superset"]


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    skill: str | None = Field(default=None, description="The skill that asked; None matches any.")
    action: str | None = Field(default=None, description="The canonical action; None matches any.")
    mode: str | None = Field(default=None, description="The gateway's mode, or 'executed'; None matches any.")

    def matches(self, actual: Step) -> bool:
        return all(getattr(self, f) is None or getattr(self, f) == getattr(actual, f)
                   for f in ("skill", "action", "mode"))

    def label(self) -> str:
        return f"{self.skill or '*'}:{self.action or '*'}:{self.mode or '*'}"


class TrajectoryMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: bool
    mode: TrajectoryMode
    missing: tuple[str, ...] = Field(default=(), description="Reference steps no actual step matched.")
    unexpected: tuple[str, ...] = Field(default=(), description="Actual steps no reference step matched.")
    first_divergence: int | None = Field(default=None, description="Strict mode: index of the first mismatch.")

    def detail(self) -> str:
        if self.passed:
            return f"{self.mode}: ok"
        parts: list[str] = [self.mode]
        if self.first_divergence is not None:
            parts.append(f"diverges at step {self.first_divergence}")
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        if self.unexpected:
            parts.append("unexpected " + ", ".join(self.unexpected))
        return "; ".join(parts)


def _matching(reference: Sequence[Step], actual: Sequence[Step]) -> dict[int, int]:
    """Maximum matching actual index -> reference index (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}

    def place(r: int, seen: set[int]) -> bool:
        for a, step in enumerate(actual):
            if a in seen or not reference[r].matches(step):
                continue
            seen.add(a)
            if a not in owner or place(owner[a], seen):
                owner[a] = r
                return True
        return False

    for r in range(len(reference)):
        place(r, set())
    return owner


def match_trajectory(reference: Sequence[Step], actual: Sequence[Step], mode: TrajectoryMode) -> TrajectoryMatch:
    if mode == "strict":
        for i, (ref, act) in enumerate(zip(reference, actual, strict=False)):
            if not ref.matches(act):
                return TrajectoryMatch(passed=False, mode=mode, first_divergence=i, missing=(ref.label(),),
                                       unexpected=(act.label(),))
        if len(reference) != len(actual):
            shorter = min(len(reference), len(actual))
            return TrajectoryMatch(passed=False, mode=mode, first_divergence=shorter,
                                   missing=tuple(s.label() for s in reference[shorter:]),
                                   unexpected=tuple(s.label() for s in actual[shorter:]))
        return TrajectoryMatch(passed=True, mode=mode)
    owner = _matching(reference, actual)
    matched_refs = set(owner.values())
    missing = tuple(reference[r].label() for r in range(len(reference)) if r not in matched_refs)
    unexpected = tuple(actual[a].label() for a in range(len(actual)) if a not in owner)
    if mode == "unordered":
        passed = not missing and not unexpected
    elif mode == "superset":
        passed, unexpected = not missing, ()
    else:  # subset: every actual step is matched by its own reference step; reference steps may go unused
        passed, missing = not unexpected, ()
    return TrajectoryMatch(passed=passed, mode=mode, missing=missing, unexpected=unexpected)


def gateway_steps(observation: Observation) -> list[Step]:
    """A run's trajectory as the gateway saw it: each decision (skill, action, mode) and each execution."""
    steps: list[Step] = []
    for entry in observation.audit:
        if entry.kind == "decision":
            steps.append(Step(skill=entry.skill, action=entry.action, mode=entry.mode))
        elif entry.kind == "executed":
            steps.append(Step(action=entry.action, mode="executed"))
    return steps
