"""Fixtures for the Targeting OS: a fixed clock, a service on temporary files, the corpus."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from targeting_corpus import SUNDAY_10_RIYADH
from targeting_support import ServiceFactory

from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRegistry
from tools.store import Store


@pytest.fixture
def consent(tmp_path: Path) -> ConsentRegistry:
    return ConsentRegistry(Store(tmp_path / "g.db"))


@pytest.fixture
def repository(tmp_path: Path) -> TargetingRepository:
    return TargetingRepository(tmp_path / "targeting.db")


@pytest.fixture
def make_service(repository: TargetingRepository, consent: ConsentRegistry) -> ServiceFactory:
    def make(now: datetime = SUNDAY_10_RIYADH, tenant: str = "t1") -> TargetingService:
        return TargetingService(repository, consent, tenant=tenant, clock=lambda: now)

    return make


@pytest.fixture
def service(make_service: ServiceFactory) -> TargetingService:
    return make_service()
