"""Builds a :class:`TargetingService` from settings, or a throw-away demo one over the sample file.

The leads database is ``settings.data_dir / "targeting.db"``; consent lives in the gateway's store
(``settings.sqlite_path``). Nothing is opened until a function here is called.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from skills.targeting.repository import TargetingRepository
from tools.consent import ConsentRegistry
from tools.saudi_time import BusinessHours, system_clock
from tools.settings import Settings
from tools.store import Store, configured_database_url

if TYPE_CHECKING:  # the service (the whole Targeting OS) loads when one is built, not for a path
    from skills.targeting.service import TargetingService

DEFAULT_TENANT = "default"
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "samples" / "leads_sample.csv"


_consent_stores: dict[tuple[int, str | None, Path], tuple[Store, int | None]] = {}  # the store, its file's inode
_consent_lock = threading.Lock()


def _inode(path: Path, url: str | None) -> int | None:
    if url is not None:
        return None  # PostgreSQL: no file
    try:
        return os.stat(path).st_ino
    except OSError:
        return -1


def _consent_store(path: Path) -> Store:
    """The process's store behind the consent registries built here, opened once per file (and database).

    ``build_service`` used to open a new store on every call and never close it: every approval
    answered through the API did (graphs.inbox rebuilds the autopilot's context per decision), which
    on PostgreSQL left a connection open per request until the garbage collector found it, and ran
    out of server connections when 200 clients raced approvals (500 «too many clients»). A file that
    was replaced or removed since (a restore, an erasure test) is opened anew."""
    url = configured_database_url()
    key = (os.getpid(), url, path.resolve())
    with _consent_lock:
        store, inode = _consent_stores.get(key, (None, None))
        if store is None or inode != _inode(path, url):  # a file replaced (a restore) or removed: open it anew
            store = Store(path)
            _consent_stores[key] = (store, _inode(path, url))
        return store


def targeting_db_path(settings: Settings) -> Path:
    return settings.data_dir / "targeting.db"


def build_service(
    settings: Settings,
    *,
    tenant: str = DEFAULT_TENANT,
    clock: Callable[[], datetime] = system_clock,
) -> TargetingService:
    from skills.targeting.service import TargetingService

    settings.ensure_data_dir()
    return TargetingService(
        TargetingRepository(targeting_db_path(settings)),
        ConsentRegistry(_consent_store(settings.sqlite_path), key=settings.signing_key()),
        tenant=tenant, clock=clock, hours=BusinessHours(timezone=settings.timezone),
    )


def demo_service(*, clock: Callable[[], datetime] = system_clock, tenant: str = "demo") -> TargetingService:
    """An in-memory service with the bundled sample leads imported (nothing written to disk)."""
    from skills.targeting.service import TargetingService

    service = TargetingService(TargetingRepository(":memory:"), ConsentRegistry(Store(":memory:")),
                               tenant=tenant, clock=clock)
    service.import_file(SAMPLE_FILE)
    return service
