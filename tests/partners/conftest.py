"""Fixtures for the Partner OS: a fixed clock, a service on temporary files, a gateway, the graph context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from partner_helpers import KEY, fixed_clock

from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.partners import PartnersContext, build_partners_context
from skills.partners.repository import PartnerRepository
from skills.partners.service import PartnerService
from tools.gateway import Gateway
from tools.models import Caller, Role
from tools.pii import PiiMasker


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="p" * 32)


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return build_gateway(settings, clock=fixed_clock)


@pytest.fixture
def repository(tmp_path: Path) -> PartnerRepository:
    return PartnerRepository(tmp_path / "partners.db")


@pytest.fixture
def make_service(repository: PartnerRepository) -> Callable[..., PartnerService]:
    def make(tenant: str = "acme", gateway: Gateway | None = None, **kwargs: Any) -> PartnerService:
        return PartnerService(repository, tenant=tenant, clock=fixed_clock, masker=PiiMasker(KEY), gateway=gateway,
                              **kwargs)

    return make


@pytest.fixture
def service(make_service: Callable[..., PartnerService], gateway: Gateway) -> PartnerService:
    return make_service(gateway=gateway)


@pytest.fixture
def make_ctx(settings: Settings, gateway: Gateway) -> Callable[..., PartnersContext]:
    def make(role: Role | None = None, tenant: str = "acme") -> PartnersContext:
        caller = Caller(user_id=f"user-{role.value}", tenant=tenant, role=role) if role else None
        return build_partners_context(settings, tenant, caller=caller, gateway=gateway, clock=fixed_clock)

    return make


@pytest.fixture
def checkpointer(settings: Settings) -> Iterator[Any]:
    with open_checkpointer(settings) as saver:
        yield saver
