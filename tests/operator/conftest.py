"""Fixtures for the operator chat graph: services on a temp dir, a context per caller, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from operator_support import SUNDAY_10_RIYADH
from pydantic_ai import models

from api.services import Services, build_services
from dealix.settings import Settings
from graphs.operator_context import IntentRouter, OperatorContext
from tools.models import Caller, Role

models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)


@pytest.fixture
def services(settings: Settings) -> Services:
    return build_services(settings, clock=lambda: SUNDAY_10_RIYADH)


@pytest.fixture
def make_ctx(services: Services) -> Iterator[Callable[..., OperatorContext]]:
    with services.checkpointer() as checkpointer:
        def make(role: Role = Role.sales_manager, tenant: str = "acme", router: IntentRouter | None = None,
                 **kwargs: Any) -> OperatorContext:
            return OperatorContext(tenant=tenant, caller=Caller(user_id=f"{role.value}@{tenant}", tenant=tenant,
                                                                role=role),
                                   settings=services.settings, gateway=services.gateway, threads=services.threads,
                                   checkpointer=checkpointer, clock=lambda: SUNDAY_10_RIYADH, router=router, **kwargs)

        yield make
