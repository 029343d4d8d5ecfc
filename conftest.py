"""Suite-wide: run the whole suite on PostgreSQL with ``DEALIX_DATABASE_URL`` set (docs/reliability.md).

Tests marked ``sqlite_only`` read SQLite files byte by byte or test the caches that only SQLite's
``data_version`` drives; their PostgreSQL twins live beside them (``-m postgres``)."""

from __future__ import annotations

import pytest

from tools.store import configured_database_url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if configured_database_url() is None:
        return
    skip = pytest.mark.skip(reason="SQLite only: DEALIX_DATABASE_URL names PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only") is not None:
            item.add_marker(skip)
