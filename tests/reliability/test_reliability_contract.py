"""schemathesis ``--checks all`` against ``dealix serve``: 0 failures, 0 errors, 0 server errors.

The server runs as a user starts it (the demo tenant seeded, its key printed), with the rate limit
raised for the run. The operations whose domain rules go beyond JSON Schema, and the problem each
answers, are named in tests/reliability/schemathesis.toml. ``DEALIX_CONTRACT_EXAMPLES`` (default 20)
sets the examples per operation (the run takes about three minutes at 30 on two cores).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")  # the cases schemathesis 4.15 mislabels
EXAMPLES = os.environ.get("DEALIX_CONTRACT_EXAMPLES", "20")
_KEY = re.compile(r"dx_[A-Za-z0-9_-]+")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("contract") / "data"
    port = _free_port()
    env = {**os.environ, "DEALIX_DATA_DIR": str(data), "DEALIX_API_RATE_LIMIT": "100000000",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("DEALIX_DATABASE_URL", None)
    log = data.parent / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from dealix.cli.main import app; app()", "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        key = None
        for _ in range(240):
            match = _KEY.search(log.read_text(encoding="utf-8", errors="replace"))
            if match and _up(port):
                key = match.group(0)
                break
            if server.poll() is not None:
                break
            time.sleep(0.5)
        assert key, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        yield f"http://127.0.0.1:{port}", key
    finally:
        server.terminate()
        server.wait(timeout=30)


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_schemathesis_checks_all_finds_nothing(served: tuple[str, str], tmp_path: Path) -> None:
    base, key = served
    st = Path(sys.executable).with_name("st")
    command = [str(st), "--config-file", str(CONFIG), "run", f"{base}/openapi.json", "--checks", "all",
               "-H", f"Authorization: Bearer {key}", "--max-examples", EXAMPLES, "--workers", "1",
               "--seed", "2121", "--suppress-health-check", "all", "--no-color"]
    # The run is seeded; with CI set, Hypothesis loads its "ci" profile, which generates other cases, and
    # schemathesis 4.15 then fails a health check (too many cases filtered by the hooks) on four path-only
    # operations despite --suppress-health-check all. Same run in CI as on a developer's machine.
    env = {name: value for name, value in os.environ.items() if name != "CI"}
    done = subprocess.run(command, cwd=tmp_path, env={**env, "SCHEMATHESIS_HOOKS": str(HOOKS)},
                          capture_output=True, text=True, timeout=1500, check=False)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    summary = done.stdout.split("SUMMARY")[-1]
    assert re.search(r"Tested: (\d+)", summary) and int(re.search(r"Tested: (\d+)", summary)[1]) > 60, report
    assert re.search(r"(\d+) generated, \1 passed", summary), report
    assert "Failures:" not in summary and "Errors:" not in summary, report
