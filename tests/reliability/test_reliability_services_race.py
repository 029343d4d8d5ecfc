"""The first requests of a fresh server arrive together: they must share one set of services.

Found by the load benchmark: 200 simultaneous first requests each built their own services (and
so their own per-key rate limiter), and the default rate limit let all 200 through.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from reliability_support import settings_for
from starlette.requests import Request

import api.deps as deps
from api.app import create_app


def test_simultaneous_first_requests_build_the_services_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path / "data")
    app = create_app(settings)
    real_build = deps.build_services
    built: list[Any] = []

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)  # building opens stores and a gateway: long enough for others to arrive
        services = real_build(*args, **kwargs)
        built.append(services)
        return services

    monkeypatch.setattr(deps, "build_services", slow_build)
    request = Request({"type": "http", "app": app, "headers": []})
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(deps.get_services(request, settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1, f"{len(built)} sets of services (and rate limiters) for one app"
    assert len({id(s) for s in seen}) == 1
