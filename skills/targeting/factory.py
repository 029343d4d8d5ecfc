"""Builds a :class:`TargetingService` from settings, or a throw-away demo one over the sample file.

The leads database is ``settings.data_dir / "targeting.db"``; consent lives in the gateway's store
(``settings.sqlite_path``). Nothing is opened until a function here is called.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRegistry
from tools.saudi_time import BusinessHours, system_clock
from tools.settings import Settings
from tools.store import Store

DEFAULT_TENANT = "default"
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "samples" / "leads_sample.csv"


def targeting_db_path(settings: Settings) -> Path:
    return settings.data_dir / "targeting.db"


def build_service(
    settings: Settings,
    *,
    tenant: str = DEFAULT_TENANT,
    clock: Callable[[], datetime] = system_clock,
) -> TargetingService:
    settings.ensure_data_dir()
    return TargetingService(
        TargetingRepository(targeting_db_path(settings)),
        ConsentRegistry(Store(settings.sqlite_path), key=settings.signing_key()),
        tenant=tenant, clock=clock, hours=BusinessHours(timezone=settings.timezone),
    )


def demo_service(*, clock: Callable[[], datetime] = system_clock, tenant: str = "demo") -> TargetingService:
    """An in-memory service with the bundled sample leads imported (nothing written to disk)."""
    service = TargetingService(TargetingRepository(":memory:"), ConsentRegistry(Store(":memory:")),
                               tenant=tenant, clock=clock)
    service.import_file(SAMPLE_FILE)
    return service
