"""Helpers of the end-to-end test: find the browser (or say why not), run the app in a thread."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    """The chromium executable; a skip locally when there is none, a failure in CI."""
    path = os.environ.get("DEALIX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    problems = []
    if not Path(path).exists():
        problems.append(f"no chromium at {path} (apt-get install -y chromium)")
    if importlib.util.find_spec("playwright") is None:
        problems.append("the playwright package is not installed (pip install -e '.[dev]')")
    if problems:
        reason = "; ".join(problems)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"end-to-end console test cannot run in CI: {reason}")
        pytest.skip(f"end-to-end console test skipped: {reason}")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
JS_URL = "javascript:window.__xss=3"
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes"]


def write_demo_leads(path: Path) -> Path:
    """Three ordinary leads and three whose every field carries hostile markup (all safe to contact)."""
    import csv

    hostile = (SCRIPT, IMG, JS_URL)
    rows = []
    for i in range(6):
        mark = f" {hostile[i % 3]}" if i >= 3 else ""
        rows.append([f"شركة الرياض {i + 1}{mark}", f"سارة {i + 1}{mark}", "المديرة التنفيذية",
                     f"05{50000000 + i * 7919:08d}", f"contact{i}@riyadh{i}.example.sa", "الرياض", "التسويق",
                     "crm", f"افتتاح فرع جديد قريباً{mark}"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path
