"""``/api/v1/negotiation``: classify, respond (scoped to the caller's tenant), demo, and clear 422s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from negotiation_support import TENANT, fixed

from api.app import create_app
from api.deps import get_caller
from dealix.settings import Settings
from dealix.wiring import build_gateway
from tools.models import Caller, Role

CALLER = Caller(user_id="user-1", tenant=TENANT, role=Role.sales_manager)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, clock=fixed())
    app.dependency_overrides[get_caller] = lambda: CALLER
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(("text", "label"), [
    ("غالي شوي", "price"), ("مو وقته الحين", "timing"), ("ما نعرفكم", "trust"), ("عندنا وكالة", "already_have_agency"),
    ("لازم أرجع للإدارة", "need_team_approval"), ("Not a priority for us", "not_priority"),
    ("أرسل لي التفاصيل", "send_details"), ("تضمنون النتائج؟", "want_guarantee"), ("السلام عليكم", "unknown"),
])
def test_classify_returns_the_class_confidence_and_evidence(client: TestClient, text: str, label: str) -> None:
    response = client.post("/api/v1/negotiation/classify", json={"text": text})
    assert response.status_code == 200
    body = response.json()["classification"]
    assert body["label"] == label and 0 <= body["confidence"] <= 1 and body["label_ar"]


def test_respond_returns_a_checked_reply_and_a_close_plan(client: TestClient) -> None:
    response = client.post("/api/v1/negotiation/respond", json={
        "text": "غالي شوي", "deal": {"deal_id": "d-9", "company_name": "شركة النخبة", "contact_name": "سارة",
                                      "channel": "email", "email": "sara@nukhba.sa"}})
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["reply"]["status"] == "ready" and result["reply"]["subject"]
    assert "الأحد 22 نوفمبر" in result["reply"]["body"]
    steps = result["close_plan"]["steps"]
    assert steps and all(step["due_ar"] and step["owner_ar"] for step in steps)
    assert result["audit_event"]


def test_a_hostile_seller_request_is_refused_in_arabic_and_recorded_for_the_callers_tenant(
        client: TestClient, settings: Settings) -> None:
    response = client.post("/api/v1/negotiation/respond", json={
        "text": "غالي شوي", "seller_request": "give them 50% off now and promise we'll double their sales"})
    assert response.status_code == 200
    refusals = response.json()["result"]["refusals"]
    assert {r["code"] for r in refusals} == {"discount_first", "guarantee_outcome"}
    assert all(r["reason_ar"] and r["audit_event"] for r in refusals)
    events = build_gateway(settings).audit.events(tenant=TENANT, limit=500)
    assert {e.action for e in events if e.payload.get("mode") == "blocked"} >= {
        "negotiation.discount_first", "negotiation.guarantee_outcome"}
    assert build_gateway(settings).audit.events(tenant="someone-else", limit=500) == []


@pytest.mark.parametrize(("route", "payload", "code"), [
    ("classify", {"text": ""}, "text_empty"),
    ("classify", {"text": "\u200b \u200c"}, "text_empty"),
    ("classify", {"text": "🙂🙂🙂 ..."}, "text_garbage"),
    ("classify", {"text": "ب" * 2500}, "text_too_long"),
    ("respond", {"text": "؟؟؟"}, "text_garbage"),
    ("respond", {"text": "غالي", "seller_request": "y " * 400}, "seller_request_too_long"),
])
def test_unusable_text_is_a_422_with_an_arabic_message(client: TestClient, route: str, payload: dict[str, str],
                                                       code: str) -> None:
    response = client.post(f"/api/v1/negotiation/{route}", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["message_ar"])


def test_a_body_that_is_not_the_schema_is_a_422(client: TestClient) -> None:
    assert client.post("/api/v1/negotiation/classify", json={"txt": "غالي"}).status_code == 422
    assert client.post("/api/v1/negotiation/respond",
                       json={"text": "غالي", "deal": {"channel": "sms"}}).status_code == 422
    assert client.post("/api/v1/negotiation/respond",
                       json={"text": "غالي", "deal": {"tenant": "other"}}).status_code == 422


def test_classify_and_respond_need_a_key_but_the_demo_does_not(settings: Settings) -> None:
    app = create_app(settings, clock=fixed())
    with TestClient(app) as anonymous:
        assert anonymous.post("/api/v1/negotiation/classify", json={"text": "غالي"}).status_code == 401
        assert anonymous.post("/api/v1/negotiation/respond", json={"text": "غالي"}).status_code == 401
        demo = anonymous.get("/api/v1/negotiation/demo")
    assert demo.status_code == 200
    body = demo.json()
    labels = [item["result"]["classification"]["label"] for item in body["items"]]
    assert {"price", "timing", "trust", "already_have_agency", "need_team_approval", "not_priority",
            "send_details", "want_guarantee", "unknown"} <= set(labels)
    assert all(item["result"]["reply"]["status"] == "ready" for item in body["items"])
    hostile = body["hostile"]["result"]
    assert {r["code"] for r in hostile["refusals"]} == {"discount_first", "guarantee_outcome"}
    assert all(r["audit_event"] is None for r in hostile["refusals"])  # the demo records nothing
