"""Fixtures for the growth tests: a data dir, a fixed Riyadh clock, a gateway, leads, a plan context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from growth_support import MONDAY_10, TENANT, MovableClock
from pydantic_ai import models

from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.growth import build_plan_context
from skills.growth.plan_state import DailyPlanContext
from skills.growth.repository import GrowthRepository
from skills.growth.service import GrowthService
from skills.targeting.factory import SAMPLE_FILE
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRegistry
from tools.gateway import Gateway
from tools.models import Caller, Role

models.ALLOW_MODEL_REQUESTS = False  # the offline copywriter is deterministic; nothing real is ever called


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(MONDAY_10)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="g" * 32)


@pytest.fixture
def gateway(settings: Settings, clock: Callable[[], datetime]) -> Gateway:
    return build_gateway(settings, clock=clock)


@pytest.fixture
def growth_repo(tmp_path: Path) -> Iterator[GrowthRepository]:
    repository = GrowthRepository(tmp_path / "growth.db")
    yield repository
    repository.close()


@pytest.fixture
def growth(growth_repo: GrowthRepository, gateway: Gateway, clock: Callable[[], datetime]) -> GrowthService:
    return GrowthService(growth_repo, gateway, tenant=TENANT, clock=clock)


@pytest.fixture
def make_targeting(tmp_path: Path, gateway: Gateway, clock: Callable[[], datetime]
                   ) -> Callable[..., TargetingService]:
    def make(tenant: str = TENANT, leads: Path | None = SAMPLE_FILE) -> TargetingService:
        service = TargetingService(TargetingRepository(tmp_path / f"targeting-{tenant}.db"),
                                   ConsentRegistry(gateway.store), tenant=tenant, clock=clock)
        if leads is not None:
            service.import_file(leads)
        return service

    return make


@pytest.fixture
def make_ctx(settings: Settings, gateway: Gateway, growth_repo: GrowthRepository,
             make_targeting: Callable[..., TargetingService], clock: Callable[[], datetime]
             ) -> Callable[..., DailyPlanContext]:
    def make(role: Role | None = None, tenant: str = TENANT, targeting: TargetingService | None = None,
             **kwargs: Any) -> DailyPlanContext:
        caller = Caller(user_id=f"user-{role.value}", tenant=tenant, role=role) if role else None
        return build_plan_context(settings, tenant, targeting=targeting or make_targeting(tenant),
                                  growth=growth_repo, caller=caller, gateway=gateway, clock=clock, **kwargs)

    return make


@pytest.fixture
def checkpointer(settings: Settings) -> Iterator[Any]:
    with open_checkpointer(settings) as saver:
        yield saver
