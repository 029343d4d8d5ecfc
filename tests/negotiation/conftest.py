"""Fixtures of the negotiation tests: settings on a temp data dir, a fixed clock, a gateway and coaches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from negotiation_support import TENANT, fixed
from pydantic_ai import models

from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from skills.negotiation.coach import NegotiationCoach
from skills.negotiation.factory import build_coach, demo_coach
from tools.gateway import Gateway

models.ALLOW_MODEL_REQUESTS = False  # the offline writer is a FunctionModel; nothing real is ever called


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return build_gateway(settings, clock=fixed())


@pytest.fixture
def coach(settings: Settings, gateway: Gateway) -> NegotiationCoach:
    return build_coach(settings, tenant=TENANT, gateway=gateway, clock=fixed())


@pytest.fixture
def offline_coach() -> NegotiationCoach:
    return demo_coach(clock=fixed())


@pytest.fixture
def checkpointer(settings: Settings) -> Iterator[Any]:
    with open_checkpointer(settings) as saver:
        yield saver
