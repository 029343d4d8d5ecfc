"""``/api/v1/support`` (tenant-scoped, problem+json errors, masked lists) and ``dealix support``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from ops_helpers import EMAIL, INJECTION, PHONE, PHONE_E164, SUNDAY_11_RIYADH
from typer.testing import CliRunner

from api.app import create_app
from api.deps import get_caller
from dealix.cli.main import app as cli
from tools.models import Caller, Role

ACME = Caller(user_id="agent@acme", tenant="acme", role=Role.support)
GLOBEX = Caller(user_id="agent@globex", tenant="globex", role=Role.support)


class Who:
    caller = ACME


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    app = create_app(settings, clock=lambda: SUNDAY_11_RIYADH)
    app.dependency_overrides[get_caller] = lambda: Who.caller
    with TestClient(app) as test_client:
        yield test_client
    Who.caller = ACME


def _create(client: TestClient, **body: object) -> dict:
    response = client.post("/api/v1/support/tickets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_tickets_from_email_whatsapp_and_the_api(client):
    email = _create(client, source="email", text=f"From: Sara <{EMAIL}>\nSubject: invoice\n\nthe invoice is wrong")
    whatsapp = _create(client, source="whatsapp", text=f"[22/11/2026, 10:15] {PHONE}: ابغى الغي الاشتراك")
    api = _create(client, text="كيف أضيف مستخدم؟", customer_email=EMAIL)

    assert email["ticket"]["customer_email"] == EMAIL and email["ticket"]["classification"]["category"] == "billing"
    assert whatsapp["ticket"]["customer_phone"] == PHONE_E164
    assert whatsapp["ticket"]["classification"]["category"] == "cancellation_risk"
    assert api["ticket"]["source"] == "api" and api["sla"]["first_response"]["state"] == "ok"


def test_the_list_is_masked_and_scoped_to_the_tenant(client):
    _create(client, text=f"اتصلوا علي {PHONE} أو {EMAIL}", customer_email=EMAIL)
    listed = client.get("/api/v1/support/tickets").json()["tickets"]

    assert len(listed) == 1
    assert PHONE not in listed[0]["preview"] and EMAIL not in listed[0]["preview"]
    assert "[PHONE:" in listed[0]["preview"] and "customer_email" not in listed[0]
    Who.caller = GLOBEX
    assert client.get("/api/v1/support/tickets").json()["tickets"] == []


def test_another_tenants_ticket_is_a_404(client):
    ticket_id = _create(client, text="سؤال", customer_email=EMAIL)["ticket"]["ticket_id"]
    assert client.get(f"/api/v1/support/tickets/{ticket_id}").status_code == 200

    Who.caller = GLOBEX
    for response in (client.get(f"/api/v1/support/tickets/{ticket_id}"),
                     client.post(f"/api/v1/support/tickets/{ticket_id}/status", json={"status": "resolved"}),
                     client.post(f"/api/v1/support/tickets/{ticket_id}/draft-response")):
        assert response.status_code == 404
        assert response.json()["code"] == "ticket_not_found" and response.json()["message_ar"]


@pytest.mark.parametrize("score", [0, 6, 2.5, "5", True, None])
def test_csat_must_be_a_whole_number_from_one_to_five(client, score):
    ticket_id = _create(client, text="سؤال", customer_email=EMAIL)["ticket"]["ticket_id"]
    client.post(f"/api/v1/support/tickets/{ticket_id}/status", json={"status": "resolved"})
    assert client.post(f"/api/v1/support/tickets/{ticket_id}/csat", json={"score": score}).status_code == 422


def test_csat_is_recorded_once_after_resolution(client):
    ticket_id = _create(client, text="سؤال", customer_email=EMAIL)["ticket"]["ticket_id"]
    early = client.post(f"/api/v1/support/tickets/{ticket_id}/csat", json={"score": 4})
    client.post(f"/api/v1/support/tickets/{ticket_id}/status", json={"status": "resolved"})
    first = client.post(f"/api/v1/support/tickets/{ticket_id}/csat", json={"score": 4, "comment": "ممتاز"})
    second = client.post(f"/api/v1/support/tickets/{ticket_id}/csat", json={"score": 5})

    assert early.status_code == 409 and early.json()["code"] == "csat_before_resolution"
    assert first.status_code == 201 and first.json()["csat"]["score"] == 4
    assert second.status_code == 409 and second.json()["code"] == "csat_already_recorded"


def test_draft_response_waits_for_approval_then_places_one_draft(client, settings):
    ticket_id = _create(client, text="النظام ما يشتغل", customer_email=EMAIL)["ticket"]["ticket_id"]
    started = client.post(f"/api/v1/support/tickets/{ticket_id}/draft-response")

    assert started.status_code == 200
    body = started.json()
    assert body["outcome"]["status"] == "awaiting_approval" and body["approval"]["status"] == "pending"
    assert not list(settings.outbox_dir.glob("*"))
    decided = client.post(f"/api/v1/support/draft-response/{body['approval']['approval_id']}/decision",
                          json={"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["outcome"]["status"] == "executed"
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 1
    assert client.get(f"/api/v1/support/tickets/{ticket_id}").json()["ticket"]["first_response_at"]


def test_a_hostile_ticket_over_the_api_triggers_nothing(client, settings):
    ticket = _create(client, text=INJECTION, customer_email=EMAIL)["ticket"]
    assert "suspicious_instructions" in ticket["classification"]["flags"]
    assert not list(settings.outbox_dir.glob("*"))


def test_no_reply_channel_is_a_409(client):
    ticket_id = _create(client, text="سؤال")["ticket"]["ticket_id"]
    response = client.post(f"/api/v1/support/tickets/{ticket_id}/draft-response")
    assert response.status_code == 409 and response.json()["code"] == "no_reply_channel"


def test_classify_sla_and_churn_routes(client):
    _create(client, text="ابغى الغي الاشتراك، ما راح نجدد", customer_email=EMAIL)
    classified = client.post("/api/v1/support/classify", json={"text": "the app is not working"})
    sla = client.get("/api/v1/support/sla")
    churn = client.get("/api/v1/support/churn")

    assert classified.json()["classification"]["category"] == "technical"
    assert sla.status_code == 200 and sla.json()["attention"] == []
    assert churn.json()["customers"][0]["level"] in ("medium", "high")


def test_unknown_fields_and_empty_text_are_refused(client):
    assert client.post("/api/v1/support/tickets", json={"text": "x", "tenant": "globex"}).status_code == 422
    assert client.post("/api/v1/support/tickets", json={"text": "   "}).json()["code"] == "empty_ticket"


def test_cli_classify_json():
    result = CliRunner().invoke(cli, ["support", "classify", "--json", "مو شغال النظام، عاجل"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["category"] == "technical" and data["priority"] == "high"
