"""Skills: one spec per skill (purpose, inputs, outputs, allowed actions, risk, acceptance).

The specs live in ``skills/data/skills.yaml``; :func:`load_skills` reads and validates them.
"""

from skills.registry import SkillExample, SkillRegistry, SkillSpec, load_skills

__all__ = ["SkillExample", "SkillRegistry", "SkillSpec", "load_skills"]
