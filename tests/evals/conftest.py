"""Fixtures for the eval suite's tests (helpers live in evals_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_ai import models

from dealix.settings import Settings

models.ALLOW_MODEL_REQUESTS = False  # every model here is the offline FunctionModel


@pytest.fixture
def base_settings(tmp_path: Path) -> Settings:
    """Settings with no Langfuse and no model keys, whatever the developer's environment holds."""
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32, model="offline", langfuse_public_key=None,
                    langfuse_secret_key=None, openai_api_key=None)
