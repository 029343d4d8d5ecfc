"""Fixtures for Customer Ops: a movable clock, a service on temporary files, a gateway, the graph context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ops_helpers import KEY, SUNDAY_11_RIYADH, Ids, MutableClock

from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.support import SupportContext, build_support_context
from skills.cards.service import CardService
from skills.support.cards import card_publisher
from skills.support.repository import SupportRepository
from skills.support.service import SupportService
from tools.gateway import Gateway
from tools.models import Caller, Role
from tools.pii import PiiMasker


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(SUNDAY_11_RIYADH)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="s" * 32)


@pytest.fixture
def gateway(settings: Settings, clock: MutableClock) -> Gateway:
    return build_gateway(settings, clock=clock)


@pytest.fixture
def repository(tmp_path: Path) -> SupportRepository:
    return SupportRepository(tmp_path / "support.db")


@pytest.fixture
def make_service(repository: SupportRepository, gateway: Gateway, clock: MutableClock
                 ) -> Callable[..., SupportService]:
    def make(tenant: str = "acme", *, cards: bool = False, **kwargs: Any) -> SupportService:
        publisher = card_publisher(CardService(tenant, gateway=gateway, clock=clock)) if cards else None
        return SupportService(repository, tenant=tenant, clock=clock, masker=PiiMasker(KEY), gateway=gateway,
                              ids=kwargs.pop("ids", Ids()), cards=publisher, **kwargs)

    return make


@pytest.fixture
def service(make_service: Callable[..., SupportService]) -> SupportService:
    return make_service()


@pytest.fixture
def make_ctx(settings: Settings, gateway: Gateway, clock: MutableClock) -> Callable[..., SupportContext]:
    def make(role: Role | None = None, tenant: str = "acme") -> SupportContext:
        caller = Caller(user_id=f"user-{role.value}", tenant=tenant, role=role) if role else None
        return build_support_context(settings, tenant, caller=caller, gateway=gateway, clock=clock)

    return make


@pytest.fixture
def checkpointer(settings: Settings) -> Iterator[Any]:
    with open_checkpointer(settings) as saver:
        yield saver
