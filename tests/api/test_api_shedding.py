"""Beyond ``DEALIX_MAX_INFLIGHT`` requests in flight, a request is refused with 503 before any work is done."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from api_support import auth, fixed_clock, is_problem, issue_key, make_settings
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.shedding import LoadShedding
from skills.cards.service import CardService
from tools.models import Role, ToolCall


def test_beyond_the_bound_a_request_is_shed_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, max_inflight=1)
    token = issue_key(settings, "acme", Role.ceo)
    app = create_app(settings, clock=fixed_clock)
    entered, release = threading.Event(), threading.Event()
    real_sync = CardService.sync

    def slow_sync(self: CardService, **kwargs: Any) -> Any:
        if not release.is_set():
            entered.set()
            release.wait(30)
        return real_sync(self, **kwargs)

    with TestClient(app) as client:
        assert client.get("/api/v1/approvals", headers=auth(token)).status_code == 200  # services built
        gateway = next(iter(app.state.services.values()))[1].gateway
        approval = gateway.decide(ToolCall(tenant="acme", skill="execution_governor", action="crm.update",
                                           args={"updates": [{"record_id": "deal-1", "field": "stage", "new": "won"}]},
                                           thread_id="api", tool_call_id="crm-1")).approval
        assert approval is not None
        with gateway.store.read() as conn:
            events_before = conn.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]
        monkeypatch.setattr(CardService, "sync", slow_sync)
        slow: list[int] = []
        holder = threading.Thread(target=lambda: slow.append(
            client.get("/api/v1/cards/feed", headers=auth(token)).status_code))
        holder.start()
        assert entered.wait(30), "the slow request never started"
        try:
            shed = client.post(f"/api/v1/approvals/{approval.approval_id}", json={"decision": "approve"},
                               headers=auth(token))
            body = is_problem(shed, 503, "overloaded")
            assert shed.headers["retry-after"] == "1"
            assert body["instance"] == f"/api/v1/approvals/{approval.approval_id}"
            assert shed.headers["x-content-type-options"] == "nosniff"
            assert client.get("/api/v1/health").status_code == 200  # the probes are exempt
            with gateway.store.read() as conn:  # the slow request has written nothing yet either
                assert conn.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0] == events_before
        finally:
            release.set()
            holder.join(30)
        assert slow == [200]
        assert gateway.get_approval(approval.approval_id, "acme").status == "pending"  # nothing was decided
        again = client.post(f"/api/v1/approvals/{approval.approval_id}", json={"decision": "approve"},
                            headers=auth(token))
        assert again.status_code == 200, again.text  # the bound is free again


def test_the_count_is_released_when_the_app_fails() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    shedding = LoadShedding(failing, max_inflight=1)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/api/v1/cards/feed", "headers": [], "query_string": b""}
    for _ in range(2):  # the second would be shed if the first had kept its slot
        with pytest.raises(RuntimeError):
            asyncio.run(shedding(scope, receive, send))
    assert shedding.inflight == 0 and shedding.shed == 0 and sent == []


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_inflight"):
        LoadShedding(lambda scope, receive, send: None, max_inflight=0)  # type: ignore[arg-type,return-value]
