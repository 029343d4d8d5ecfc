"""``dealix serve --workers 2`` on PostgreSQL: many clients approving one draft at once execute it once.

A real server (two uvicorn worker processes, every store and the checkpointer in PostgreSQL)
on a free port: a leads file is imported through one request, a chat run asks for approvals,
then ``DEALIX_RELIABILITY_PG_CLIENTS`` clients (default 8) approve the same approval at the same
moment. Exactly one execution, one draft, an audit chain that verifies; the card feed and the
leads look the same from either worker; both workers did serve (each names itself to
PostgreSQL as ``dealix <pid>``). Skipped without ``DEALIX_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_support import TENANT, audit_verifies, db_rows, lead_rows, outbox, write_leads

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")
CLIENTS = int(os.environ.get("DEALIX_RELIABILITY_PG_CLIENTS", "8"))


class Server:
    def __init__(self, base: str, process: subprocess.Popen[bytes], key: str, data: Path) -> None:
        self.base, self.process, self.key, self.data = base, process, key, data

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=120.0)

    def worker_pids(self) -> set[int]:
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    data = tmp_path / "data"
    env = {"DEALIX_DATA_DIR": str(data), "DEALIX_SECRET_KEY": "k" * 32, "DEALIX_DATABASE_URL": URL}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from api.keys import key_store_for
    from dealix.settings import Settings
    from tools.models import Role

    issued = key_store_for(Settings()).create(user_id="manager-noura", tenant=TENANT, role=Role.sales_manager,
                                              now=datetime.now(UTC))
    port = _free_port()
    dealix = Path(sys.executable).with_name("dealix")
    process = subprocess.Popen([str(dealix), "serve", "--workers", "2", "--no-demo", "--port", str(port)],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # two workers import the app at once; slow on a busy 2-core host
        while True:
            try:
                if httpx.get(f"{base}/api/v1/ready", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "server exited"
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)
        yield Server(base, process, issued.key, data)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        from tools.pgdb import drop_schemas

        drop_schemas(URL, data)


def _at_once(n: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    answers: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return answers


def _pending_approvals(server: Server) -> list[dict[str, Any]]:
    with server.client() as client:
        thread_id = client.post("/api/v1/threads", json={}).json()["thread_id"]
        response = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "رتب لي أفضل ٣ عملاء اليوم"})
    assert response.status_code == 200, response.text
    events = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
    return [e["approval"] for e in events if e.get("type") == "approval_request"]


def test_many_clients_approving_one_draft_across_two_workers_execute_it_once(server: Server, tmp_path: Path) -> None:
    leads = write_leads(tmp_path / "leads.csv", lead_rows(6))
    with server.client() as client, leads.open("rb") as handle:
        imported = client.post("/api/v1/targeting/import", files={"file": ("leads.csv", handle, "text/csv")})
    assert imported.status_code == 200, imported.text
    assert imported.json()["report"]["imported"] == 6

    pending = _pending_approvals(server)
    assert pending, "the chat run asked for approvals"
    target = pending[0]["approval_id"]

    def approve(_: int) -> tuple[int, dict[str, Any]]:
        with server.client() as client:
            response = client.post(f"/api/v1/approvals/{target}", json={"decision": "approve"})
        return response.status_code, response.json()

    answers = _at_once(CLIENTS, approve)
    assert all(status in (200, 409) for status, _ in answers), answers
    executed = [body for status, body in answers if status == 200 and body.get("outcome") == "executed"]
    assert len(executed) == 1, answers

    # Reads from either worker agree: the card feed and the approval, many times over.
    def look(_: int) -> tuple[str, list[str]]:
        with server.client() as client:
            approval = client.get(f"/api/v1/approvals/{target}").json()
            feed = client.get("/api/v1/cards/feed", params={"limit": 200}).json()
        return approval["status"], sorted(item["card"]["card_id"] for item in feed["feed"]["items"])

    seen = _at_once(CLIENTS * 2, look)
    assert {status for status, _ in seen} == {"consumed"}, seen
    assert len({tuple(cards) for _, cards in seen}) == 1, "both workers serve the same feed"


    from dealix.settings import Settings

    settings = Settings()
    assert [tuple(r) for r in db_rows(settings, "SELECT status FROM side_effects WHERE approval_id = ?", target)] \
        == [("done",)]
    assert db_rows(settings, "SELECT COUNT(*) FROM audit_events WHERE kind = 'executed'")[0][0] == 1
    assert len(outbox(settings)) == 1
    assert audit_verifies(settings)
    assert not (server.data / "dealix.db").exists() and not (server.data / "checkpoints.db").exists()

    import psycopg

    with psycopg.connect(URL) as conn:
        names = {r[0] for r in conn.execute("SELECT application_name FROM pg_stat_activity").fetchall()}
    # A worker's connections are named "dealix <pid>" (writes), "… reads", "… checkpoints", "… signal".
    served = {pid for pid in server.worker_pids()
              if any(name == f"dealix {pid}" or name.startswith(f"dealix {pid} ") for name in names)}
    assert len(served) == 2, (server.worker_pids(), names)
