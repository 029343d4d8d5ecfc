"""Fixtures of the memory tests: an in-memory store per test and a fresh data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dealix.settings import Settings
from tools.memory import HashingEmbedder, VectorStore


@pytest.fixture
def store() -> Iterator[VectorStore]:
    vectors = VectorStore(HashingEmbedder(), in_memory=True)
    yield vectors
    vectors.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32)
