"""Fixtures for the API tests: an app on a temp data dir with a fixed clock, and keys per tenant/role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_support import fixed_clock, issue_key, make_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic_ai import models

from api.app import create_app
from dealix.settings import Settings, get_settings
from tools.models import Role

models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, clock=fixed_clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def key(settings: Settings) -> Callable[..., str]:
    def make(tenant: str = "acme", role: Role = Role.sales_manager, user: str | None = None) -> str:
        return issue_key(settings, tenant, role, user)

    return make


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The settings as the CLI and uvicorn's worker factory read them: from ``DEALIX_*`` variables."""
    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
