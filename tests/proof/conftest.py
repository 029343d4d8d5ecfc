"""Fixtures for the proof tests (helpers live in proof_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from proof_support import MutableClock, Rig, make_rig


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def rig(tmp_path: Path, clock: MutableClock) -> Rig:
    return make_rig(tmp_path, clock)
