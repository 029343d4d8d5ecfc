"""Builds a :class:`SupportService` from settings. Nothing is opened until a function here is called.

Tickets live in ``settings.data_dir / "support.db"``; the gateway (when given) records every
ticket update in the audit log and brings the PII masker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from skills.support.business_time import BusinessCalendar
from skills.support.repository import SupportRepository
from skills.support.service import CardPublisher, SupportService
from tools.gateway import Gateway
from tools.pii import PiiMasker
from tools.saudi_time import system_clock
from tools.settings import Settings

DEFAULT_TENANT = "default"


def support_db_path(settings: Settings) -> Path:
    return settings.data_dir / "support.db"


def build_service(settings: Settings, *, tenant: str = DEFAULT_TENANT,
                  clock: Callable[[], datetime] = system_clock, gateway: Gateway | None = None,
                  calendar: BusinessCalendar | None = None, cards: CardPublisher | None = None) -> SupportService:
    settings.ensure_data_dir()
    masker = gateway.masker if gateway is not None else PiiMasker(settings.signing_key())
    return SupportService(SupportRepository(support_db_path(settings)), tenant=tenant, clock=clock, masker=masker,
                          gateway=gateway, calendar=calendar, cards=cards)
