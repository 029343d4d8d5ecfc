"""Fixtures for the runtime tests: a fresh data dir per test, lead files, contexts and checkpointers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import models
from runtime_support import TENANT, lead_rows, write_leads

from dealix.settings import Settings
from dealix.wiring import autopilot_context
from graphs.checkpoint import open_checkpointer
from graphs.context import AutopilotContext
from tools.models import Caller, Role

models.ALLOW_MODEL_REQUESTS = False  # the offline model is a FunctionModel; nothing real is ever called

@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)


@pytest.fixture
def leads_file(tmp_path: Path) -> Path:
    return write_leads(tmp_path / "leads.csv", lead_rows(4))


@pytest.fixture
def make_ctx(settings: Settings) -> Callable[..., AutopilotContext]:
    def make(role: Role | None = None, tenant: str = TENANT, **kwargs: Any) -> AutopilotContext:
        caller = Caller(user_id=f"user-{role.value}", tenant=tenant, role=role) if role else None
        return autopilot_context(settings, tenant, caller=caller, **kwargs)

    return make


@pytest.fixture
def checkpointer(settings: Settings) -> Iterator[Any]:
    with open_checkpointer(settings) as saver:
        yield saver
