"""What the API's routes share, built once per settings: gateway, key store, thread book, limits.

Built lazily on the first request that needs it (nothing at import or at ``create_app``), and
cached on the app per settings object, so a test that overrides ``get_settings`` gets services on
its own data dir.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.models import ModelConfigError, build_model
from api.keys import ApiKeyStore, key_store_for
from api.limits import RateLimiter, build_rate_limiter
from api.session import SessionSigner
from dealix.settings import Settings
from dealix.wiring import build_gateway
from graphs.checkpoint import open_checkpointer
from graphs.operator_context import IntentRouter
from graphs.threads import ThreadBook, TitleMasker
from skills.operator.intents import OPERATOR_SKILL, operator_console_actions
from skills.operator.model_router import ModelRouter
from skills.targeting.factory import targeting_db_path
from skills.targeting.repository import TargetingRepository
from tools.gateway import Gateway
from tools.pii import PiiMasker
from tools.saudi_time import Clock, system_clock

log = logging.getLogger("dealix.api")


@dataclass
class Services:
    settings: Settings
    gateway: Gateway
    keys: ApiKeyStore
    threads: ThreadBook
    limiter: RateLimiter
    sessions: SessionSigner
    clock: Clock
    router: IntentRouter | None = None

    @contextmanager
    def checkpointer(self) -> Iterator[BaseCheckpointSaver[Any]]:
        with open_checkpointer(self.settings) as saver:
            yield saver


def build_services(settings: Settings, *, clock: Clock = system_clock) -> Services:
    settings.ensure_data_dir()
    gateway = build_gateway(settings, clock=clock, extra_skills={OPERATOR_SKILL: operator_console_actions()})
    return Services(
        settings=settings, gateway=gateway, keys=key_store_for(settings),
        threads=ThreadBook(settings.data_dir / "threads.db", title_masker=title_masker(settings)),
        limiter=build_rate_limiter(limit=settings.api_rate_limit, per_seconds=settings.api_rate_window_seconds,
                                   storage_url=settings.rate_limit_storage),
        sessions=SessionSigner(settings.signing_key(), max_age=timedelta(hours=settings.console_session_hours)),
        clock=clock, router=build_router(settings),
    )


def title_masker(settings: Settings) -> TitleMasker:
    """Thread titles with phones, emails, ids and the tenant's lead names masked (keyed pseudonyms)."""
    masker = PiiMasker(settings.signing_key())
    path = targeting_db_path(settings)

    def mask(tenant: str, title: str) -> str:
        names: list[str] = []
        if path.exists():
            repository = TargetingRepository(path)
            try:
                names = [name for lead in repository.leads(tenant, active_only=False)
                         for name in (lead.contact_name,) if name]
            finally:
                repository.close()
        return masker.with_names(names).mask_text(title)

    return mask


def build_router(settings: Settings) -> IntentRouter | None:
    """The model router when a model is configured; None (the offline classifier) otherwise or if misconfigured."""
    if settings.model.strip() == "offline":
        return None
    try:
        model, _, _ = build_model(settings)
    except ModelConfigError as exc:
        log.warning("operator router: %s; using the offline classifier", exc.message_en)
        return None
    return ModelRouter(model)
