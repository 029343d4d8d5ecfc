"""``/api/v1/cards``: feed, decision, WhatsApp rendering and replies, scoped to the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cards_support import OTHER, TENANT, blocked_attempt, clock, count_events, pending_whatsapp, write_leads
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_caller
from dealix.settings import Settings
from graphs.checkpoint import open_checkpointer
from graphs.runtime import build_context, start_autopilot
from skills.cards.whatsapp import BODY_MAX, BUTTON_TITLE_MAX
from tools.gateway import Gateway
from tools.models import Caller, Role


class As:
    """Who the test client is authenticated as (what an API key would say)."""

    caller = Caller(user_id="u-sales", tenant=TENANT, role=Role.sales_manager)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock)
    app.dependency_overrides[get_caller] = lambda: As.caller
    As.caller = Caller(user_id="u-sales", tenant=TENANT, role=Role.sales_manager)
    with TestClient(app) as test_client:
        yield test_client


def _as(role: Role, tenant: str = TENANT, user: str | None = None) -> None:
    As.caller = Caller(user_id=user or f"u-{role.value}", tenant=tenant, role=role)


def _feed(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/cards/feed", params=params)
    assert response.status_code == 200, response.text
    return response.json()["feed"]


def test_the_feed_defaults_to_the_callers_role_and_tenant(client: TestClient, gateway: Gateway) -> None:
    pending_whatsapp(gateway)
    blocked_attempt(gateway)
    feed = _feed(client)
    assert feed["role"] == "sales_manager" and {i["card"]["type"] for i in feed["items"]} == {"approval", "risk"}
    _as(Role.ceo, tenant=OTHER)
    assert _feed(client)["items"] == []


def test_another_roles_feed_is_for_the_ceo_only(client: TestClient, gateway: Gateway) -> None:
    blocked_attempt(gateway)
    response = client.get("/api/v1/cards/feed", params={"role": "ceo"})
    assert response.status_code == 403 and response.json()["code"] == "feed_role_not_allowed"
    assert "message_ar" in response.json()
    _as(Role.ceo)
    assert _feed(client, role="support")["role"] == "support"


def test_opportunities_come_from_the_tenants_leads_on_request(client: TestClient, settings: Settings) -> None:
    from skills.targeting.factory import SAMPLE_FILE, build_service

    build_service(settings, tenant=TENANT, clock=clock).import_file(SAMPLE_FILE)
    assert _feed(client)["items"] == []
    types = {i["card"]["type"] for i in _feed(client, opportunities="true")["items"]}
    assert types == {"opportunity"}


def test_a_decision_is_taken_as_the_authenticated_caller(client: TestClient, gateway: Gateway) -> None:
    approval = pending_whatsapp(gateway)
    card_id = _feed(client)["items"][0]["card"]["card_id"]
    forged = client.post(f"/api/v1/cards/{card_id}/decision",
                         json={"button_id": "reject", "decided_by": "the-ceo", "role": "ceo"})
    assert forged.status_code == 422  # the approver and role never come from the body
    response = client.post(f"/api/v1/cards/{card_id}/decision", json={"button_id": "reject", "reason": "ليس الآن"})
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["status"] == "rejected" and result["decided_by"] == "u-sales"
    with gateway.store.read() as conn:
        row = conn.execute("SELECT decided_by, decided_role, status FROM approvals WHERE approval_id = ?",
                           (approval.approval_id,)).fetchone()
    assert tuple(row) == ("u-sales", "sales_manager", "rejected")


def test_wrong_role_is_403_other_tenant_and_unknown_ids_are_404(client: TestClient, gateway: Gateway) -> None:
    pending_whatsapp(gateway)
    card_id = _feed(client)["items"][0]["card"]["card_id"]
    _as(Role.support)
    response = client.post(f"/api/v1/cards/{card_id}/decision", json={"button_id": "approve"})
    assert response.status_code == 403 and response.json()["code"] == "role_not_allowed"
    _as(Role.ceo, tenant=OTHER)
    response = client.post(f"/api/v1/cards/{card_id}/decision", json={"button_id": "approve"})
    assert response.status_code == 404 and response.json()["code"] == "card_not_found"
    assert client.get(f"/api/v1/cards/{card_id}/whatsapp").status_code == 404
    _as(Role.sales_manager)
    assert client.post("/api/v1/cards/../etc/decision", json={"button_id": "approve"}).status_code in (404, 422)
    assert client.post("/api/v1/cards/card_zz/decision", json={"button_id": "approve"}).status_code == 404
    assert client.post("/api/v1/cards/" + "c" * 101 + "/decision", json={"button_id": "approve"}).status_code == 422
    response = client.post(f"/api/v1/cards/{card_id}/decision", json={"button_id": "acknowledge"})
    assert response.status_code == 409 and response.json()["code"] == "button_not_on_card"
    assert count_events(gateway, "approval_approved") == 0


def test_a_double_press_executes_once(client: TestClient, gateway: Gateway) -> None:
    pending_whatsapp(gateway)
    card_id = _feed(client)["items"][0]["card"]["card_id"]
    first = client.post(f"/api/v1/cards/{card_id}/decision", json={"decision": "approve"})
    second = client.post(f"/api/v1/cards/{card_id}/decision", json={"decision": "approve"})
    assert first.status_code == second.status_code == 200
    assert not first.json()["result"]["already_decided"] and second.json()["result"]["already_decided"]
    assert count_events(gateway, "approval_approved") == 1 and count_events(gateway, "card_decided") == 1


def test_the_whatsapp_rendering_respects_the_limits(client: TestClient, gateway: Gateway) -> None:
    pending_whatsapp(gateway, body="نص طويل جداً " * 400)
    card_id = _feed(client)["items"][0]["card"]["card_id"]
    response = client.get(f"/api/v1/cards/{card_id}/whatsapp")
    assert response.status_code == 200
    rendering = response.json()["whatsapp"]
    interactive = rendering["interactive"]
    assert interactive["type"] == "button" and len(interactive["action"]["buttons"]) == 3
    assert all(len(b["reply"]["title"]) <= BUTTON_TITLE_MAX for b in interactive["action"]["buttons"])
    assert len(interactive["body"]["text"]) <= BODY_MAX and "1. اعتمد" in rendering["text"]


def test_a_reply_decides_when_it_matches_and_explains_when_not(client: TestClient, gateway: Gateway) -> None:
    pending_whatsapp(gateway)
    card_id = _feed(client)["items"][0]["card"]["card_id"]
    unclear = client.post(f"/api/v1/cards/{card_id}/reply", json={"text": "غير موافق"})
    assert unclear.status_code == 200 and unclear.json()["match"]["matched"] is False
    assert unclear.json()["result"] is None and unclear.json()["match"]["message_ar"]
    clear = client.post(f"/api/v1/cards/{card_id}/reply", json={"text": "٣"})
    assert clear.json()["match"]["button_id"] == "reject" and clear.json()["result"]["status"] == "rejected"


def test_approving_an_autopilot_card_resumes_its_thread(client: TestClient, settings: Settings, gateway: Gateway,
                                                        tmp_path: Path) -> None:
    ctx = build_context(settings, TENANT, gateway=gateway)
    with open_checkpointer(settings) as checkpointer:
        start_autopilot(ctx, checkpointer, write_leads(tmp_path / "l.csv", 2), 2)
    items = _feed(client)["items"]
    assert len(items) == 2 and all(i["card"]["context"]["company_name"] for i in items)
    response = client.post(f"/api/v1/cards/{items[0]['card']['card_id']}/decision", json={"button_id": "approve"})
    resume = response.json()["result"]["resume"]
    assert resume["execution_status"] == "executed" and resume["ledger_id"]
    assert len(resume["pending"]) == 1  # the thread resumed; its other target still waits
    assert len(_feed(client)["items"]) == 1


def test_without_a_key_every_route_is_401(settings: Settings) -> None:
    app = create_app(settings, clock=clock)
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/cards/feed").status_code == 401
        assert anonymous.post("/api/v1/cards/card_0123456789abcdef/decision",
                              json={"button_id": "approve"}).status_code == 401
