"""The serving lifespan: services built before the first request, the start-up heap frozen while serving."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import fixed_clock
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.serving import YOUNG_THRESHOLD, create_served_app, frozen_startup_heap
from dealix.cli.main import app as cli
from dealix.settings import Settings


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """Each test starts with nothing frozen and the default thresholds, and leaves them so even if it fails."""
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_frozen_startup_heap_freezes_raises_the_young_threshold_and_undoes_both() -> None:
    before = gc.get_threshold()
    with frozen_startup_heap() as frozen:
        assert frozen > 10_000 and gc.get_freeze_count() > 10_000  # the interpreter and imported modules at least
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_frozen_startup_heap_undoes_its_changes_when_serving_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), frozen_startup_heap():
        raise RuntimeError("the server stopped")
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_cyclic_garbage_made_while_serving_is_collected_without_being_asked() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with frozen_startup_heap():
        node = Node()
        gone = weakref.ref(node)
        del node  # unreachable now, kept alive only by its own cycle
        churn = [[i] for i in range(3 * YOUNG_THRESHOLD)]  # container allocations: young collections run
        assert gone() is None and len(churn) == 3 * YOUNG_THRESHOLD


def test_a_served_app_builds_its_services_at_start_and_freezes_the_heap_while_it_runs(settings: Settings) -> None:
    app = create_app(settings, clock=fixed_clock, serving=True)
    assert app.state.services == {}
    with TestClient(app) as client:
        assert [s for s, _ in app.state.services.values()] == [settings]  # before any request
        assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert client.get("/api/v1/health").status_code == 200
    assert gc.get_freeze_count() == 0


def test_an_app_built_for_tests_leaves_the_collector_alone(settings: Settings) -> None:
    before = gc.get_threshold()
    app = create_app(settings, clock=fixed_clock)
    with TestClient(app):
        assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
        assert app.state.services == {}  # built lazily, on the first request that needs them


def test_dealix_serve_runs_the_served_app_without_access_log_formatting(env: Settings,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert CliRunner().invoke(cli, ["serve", "--port", "8125"]).exit_code == 0
    assert seen["access_log"] is False and seen["log_level"] == "warning"
    with TestClient(seen["app"]):
        assert gc.get_freeze_count() > 0


def test_each_worker_of_dealix_serve_builds_a_served_app(env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert CliRunner().invoke(cli, ["serve", "--port", "8126", "--workers", "2"]).exit_code == 0
    assert seen["app"] == "api.serving:create_served_app" and seen["factory"] is True and seen["workers"] == 2
    worker_app = create_served_app()  # what uvicorn calls in each worker, settings from the environment
    with TestClient(worker_app):
        assert [s.data_dir for s, _ in worker_app.state.services.values()] == [env.data_dir]
        assert gc.get_freeze_count() > 0


def test_a_served_process_imports_what_requests_load_lazily_before_its_first_request(tmp_path: Any) -> None:
    """Before: the first approval of a served process imported qdrant_client inside the request (1.1 s), and
    twenty approvals arriving at a fresh worker each compiled the prompts and rules the first needed."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from api.app import create_app\n"
        "from graphs.autopilot import _autopilot\n"
        "from prompts.loader import load_prompts\n"
        "app = create_app(serving=True)\n"
        "assert 'qdrant_client' not in sys.modules and 'portalocker' not in sys.modules\n"
        "assert _autopilot.cache_info().currsize == 0 and load_prompts.cache_info().currsize == 0\n"
        "with TestClient(app):\n"
        "    assert 'qdrant_client' in sys.modules and 'portalocker' in sys.modules\n"
        "    assert _autopilot.cache_info().currsize == 1, 'the autopilot graph is compiled before a request'\n"
        "    assert load_prompts.cache_info().currsize == 1, 'the prompts are loaded before a request'\n"
        "print('warm')\n"
    )
    env = {**os.environ, "DEALIX_DATA_DIR": str(tmp_path / "data"), "DEALIX_SECRET_KEY": "k" * 32,
           "DEALIX_JOBS": "false"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "warm", done.stderr[-2000:]


def test_a_warm_up_step_that_fails_is_logged_and_serving_goes_on(monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    import graphs.warm as warm

    def broken() -> None:
        raise OSError("prompts folder unreadable")

    monkeypatch.setattr(warm, "_catalogues", broken)
    with caplog.at_level("WARNING", logger="dealix.warm"):
        seconds = warm.warm_up()
    assert seconds >= 0
    assert any("warm-up step failed" in r.getMessage() for r in caplog.records)
