"""Fixtures of the reliability tests: nothing here calls a model; children are spawned or forked per test.

``backend`` runs a test on SQLite files and again on PostgreSQL (``DEALIX_TEST_POSTGRES_URL``;
skipped when unset) by setting ``DEALIX_DATABASE_URL`` for the test and its child processes.
The PostgreSQL schemas of the test's data dir are dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
    if request.param == "postgres":
        if not url:
            pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
        monkeypatch.setenv("DEALIX_DATABASE_URL", url)
    else:
        monkeypatch.delenv("DEALIX_DATABASE_URL", raising=False)
    yield request.param
    if request.param == "postgres":
        from tools.pgdb import drop_schemas

        drop_schemas(url, tmp_path / "data")
