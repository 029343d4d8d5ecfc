"""Fixtures of the governance tests: a data dir per test and a gateway on a clock the test can move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from governance_support import MovingClock
from pydantic_ai import models

from api.app import create_app
from dealix.settings import Settings
from dealix.wiring import build_gateway
from tools.gateway import Gateway

models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def gateway(settings: Settings, clock: MovingClock) -> Gateway:
    settings.ensure_data_dir()
    return build_gateway(settings, clock=clock)


@pytest.fixture
def client(settings: Settings, clock: MovingClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client
