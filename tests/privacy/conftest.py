"""Fixtures of the privacy tests: one populated data dir per test (see privacy_support.build_world)."""

from __future__ import annotations

from pathlib import Path

import pytest
from privacy_support import World, build_world
from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)
