"""Builds a :class:`PartnerService` from settings. Nothing is opened until a function here is called.

The partner database is ``settings.data_dir / "partners.db"``; the gateway (when given) brings
the audit log that records suggestions and refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from skills.partners.repository import PartnerRepository
from skills.partners.service import PartnerService
from tools.gateway import Gateway
from tools.pii import PiiMasker
from tools.saudi_time import system_clock
from tools.settings import Settings

DEFAULT_TENANT = "default"


def partners_db_path(settings: Settings) -> Path:
    return settings.data_dir / "partners.db"


def build_service(settings: Settings, *, tenant: str = DEFAULT_TENANT,
                  clock: Callable[[], datetime] = system_clock, gateway: Gateway | None = None) -> PartnerService:
    settings.ensure_data_dir()
    masker = gateway.masker if gateway is not None else PiiMasker(settings.signing_key())
    return PartnerService(PartnerRepository(partners_db_path(settings)), tenant=tenant, clock=clock, masker=masker,
                          gateway=gateway)


def demo_service(*, clock: Callable[[], datetime] = system_clock, tenant: str = "demo") -> PartnerService:
    """An in-memory service over the bundled sample candidates (nothing written to disk)."""
    return PartnerService(PartnerRepository(":memory:"), tenant=tenant, clock=clock, masker=PiiMasker(b"demo" * 8))
