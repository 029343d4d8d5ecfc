"""The app's settings: read once from ``DEALIX_*`` environment variables, by the shell.

The schema (``Settings`` and its small models) lives in :mod:`tools.settings`, at the bottom layer,
so graphs, skills, agents and tools can name the type they are handed. Reading the environment is
the shell's job: :func:`get_settings` here, which tests override with ``get_settings.cache_clear()``
after changing the environment, or by building ``Settings(...)`` directly.
"""

from __future__ import annotations

from functools import lru_cache

from tools.settings import MODEL_SKILLS, ModelRoute, ModelSkill, Settings

__all__ = ["MODEL_SKILLS", "ModelRoute", "ModelSkill", "Settings", "get_settings"]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
