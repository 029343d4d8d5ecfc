"""Shared fixtures for connector tests: a fixed Riyadh clock, a tmp outbox and a permit factory.

Connector tests mint permits with the gateway's private seal, imported explicitly so that every
path around the gateway is visible in review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tools.canonical import args_digest
from tools.connectors.base import _GATEWAY_SEAL, ConnectorContext, ExecutionPermit

RIYADH = ZoneInfo("Asia/Riyadh")
FIXED_NOW = datetime(2026, 11, 15, 10, 30, 0, tzinfo=RIYADH)  # a Sunday, 10:30 in Riyadh

PermitFactory = Callable[..., ExecutionPermit]


def make_permit(action: str, args: dict[str, Any], *, ledger_id: str = "L1", live: bool = False) -> ExecutionPermit:
    return ExecutionPermit(
        action=action, args_digest=args_digest(args), ledger_id=ledger_id, live=live, seal=_GATEWAY_SEAL
    )


@pytest.fixture
def permit() -> PermitFactory:
    return make_permit


@pytest.fixture
def ctx(tmp_path) -> ConnectorContext:
    return ConnectorContext(tenant="acme", outbox_dir=tmp_path / "outbox", now=FIXED_NOW)


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW
