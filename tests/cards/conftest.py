"""Fixtures for the cards tests: a data dir per test, a gateway on a fixed clock, the factory and service."""

from __future__ import annotations

from pathlib import Path

import pytest
from cards_support import TENANT, clock
from pydantic_ai import models

from dealix.settings import Settings
from dealix.wiring import build_gateway
from skills.cards.factory import CardFactory
from skills.cards.service import CardService
from skills.cards.texts import CardTexts, load_texts
from tools.gateway import Gateway

models.ALLOW_MODEL_REQUESTS = False  # the offline copywriter only; nothing real is ever called


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return build_gateway(settings, clock=clock)


@pytest.fixture
def texts() -> CardTexts:
    return load_texts()


@pytest.fixture
def factory(gateway: Gateway, texts: CardTexts) -> CardFactory:
    return CardFactory(TENANT, policy=gateway.policy, clock=clock, texts=texts)


@pytest.fixture
def service(gateway: Gateway, texts: CardTexts) -> CardService:
    return CardService(TENANT, gateway=gateway, clock=clock, texts=texts)
