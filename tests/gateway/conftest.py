"""Fixtures for the governed tool layer (helpers live in gw_support.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gw_support import ALL_ACTIONS, KEY, SUNDAY_11_RIYADH, MutableClock, RecordingConnector, Rig

from skills.registry import load_skills
from tools.gateway import Gateway, GatewayConfig, LiveFlags
from tools.policy import load_policy
from tools.store import Store


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    clock = MutableClock(SUNDAY_11_RIYADH)
    calls: list[tuple[str, dict[str, Any]]] = []
    store = Store(tmp_path / "gateway.db")

    def make(live: LiveFlags | None = None, **kwargs: Any) -> Gateway:
        connectors = {a: RecordingConnector(a, calls) for a in [*ALL_ACTIONS, "fax.send"]}
        skills = {**load_skills().actions_by_skill(), "ops_tester": frozenset({"fax.send"})}
        return Gateway(store=store, policy=load_policy(), skills=skills,
                       connectors=connectors, key=KEY,
                       config=GatewayConfig(outbox_dir=tmp_path / "outbox", live=live or LiveFlags()),
                       clock=clock, **kwargs)

    return Rig(gateway=make(), clock=clock, calls=calls, outbox=tmp_path / "outbox", store=store, make=make)


