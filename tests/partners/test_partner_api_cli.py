"""``/api/v1/partners`` (tenant-scoped, problem+json errors) and ``dealix partners``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from partner_helpers import fixed_clock
from typer.testing import CliRunner

from api.app import create_app
from api.deps import get_caller
from dealix.cli.main import app as cli
from dealix.settings import get_settings
from tools.models import Caller, Role, RWUType
from tools.rwu import list_rwus


class Who:
    caller = Caller(user_id="partner@acme", tenant="acme", role=Role.agency_partner)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    app = create_app(settings, clock=fixed_clock)
    app.dependency_overrides[get_caller] = lambda: Who.caller
    with TestClient(app) as test_client:
        yield test_client
    Who.caller = Caller(user_id="partner@acme", tenant="acme", role=Role.agency_partner)


def _gateway(client: TestClient):
    return next(iter(client.app.state.services.values()))[1].gateway  # type: ignore[attr-defined]


def test_suggestions_are_ranked_and_audited_without_inflating_proof(client):
    response = client.get("/api/v1/partners/suggestions", params={"top": 5})

    assert response.status_code == 200
    body = response.json()
    totals = [s["scorecard"]["total"] for s in body["suggestions"]]
    assert len(totals) == 5 and totals == sorted(totals, reverse=True)
    assert body["weights_version"]
    gateway = _gateway(client)
    assert [e.action for e in gateway.audit.events(tenant="acme") if e.kind == "decision"] == ["partner.suggest"]
    assert not [u for u in list_rwus(gateway.store, tenant="acme") if u.type == RWUType.partner_suggested]


def test_score_by_id_and_inline(client):
    by_id = client.post("/api/v1/partners/score", json={"partner_id": "P-009"})
    inline = client.post("/api/v1/partners/score", json={"candidate": {
        "partner_id": "N-1", "name": "New Partner", "type": "training_provider", "client_sectors": ["technology"],
        "services": ["sales_training"], "clients_count": 10}})

    assert by_id.status_code == 200 and by_id.json()["scorecard"]["competitor"]["flagged"] is True
    assert inline.status_code == 200 and inline.json()["scorecard"]["partner_id"] == "N-1"
    assert client.post("/api/v1/partners/score", json={}).status_code == 422


def test_an_unknown_partner_is_a_404_problem_in_arabic(client):
    response = client.post("/api/v1/partners/meeting-brief", json={"partner_id": "P-404"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unknown_partner" and "P-404" in response.json()["message_ar"]


def test_meeting_brief_and_offer(client):
    brief = client.post("/api/v1/partners/meeting-brief", json={"partner_id": "P-001"})
    offer = client.post("/api/v1/partners/offer", json={"partner_id": "P-001", "model": "referral", "rate_pct": 15})
    too_high = client.post("/api/v1/partners/offer", json={"partner_id": "P-001", "model": "referral",
                                                           "rate_pct": 40})

    assert brief.status_code == 200 and "# موجز اجتماع شراكة" in brief.json()["brief"]["markdown"]
    assert offer.status_code == 200 and offer.json()["offer"]["terms"]["rate_pct"] == 15
    assert too_high.status_code == 422 and too_high.json()["code"] == "offer_out_of_bounds"


def test_message_draft_waits_for_approval_then_places_one_draft(client, settings):
    started = client.post("/api/v1/partners/message-draft", json={"partner_id": "P-001"})

    assert started.status_code == 200
    body = started.json()
    assert body["outcome"]["status"] == "awaiting_approval" and body["approval"]["status"] == "pending"
    assert body["draft"]["channel"] == "email"
    assert not list(settings.outbox_dir.glob("*"))

    approval_id = body["approval"]["approval_id"]
    decided = client.post(f"/api/v1/partners/message-draft/{approval_id}/decision", json={"decision": "approve"})
    again = client.post(f"/api/v1/partners/message-draft/{approval_id}/decision", json={"decision": "approve"})

    assert decided.status_code == 200 and decided.json()["outcome"]["status"] == "executed"
    assert again.json()["already_decided"] is True
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 1


def test_cold_whatsapp_is_a_409_with_the_reason(client):
    response = client.post("/api/v1/partners/message-draft", json={"partner_id": "P-004", "channel": "whatsapp"})
    assert response.status_code == 409
    assert response.json()["code"] == "whatsapp_without_opt_in" and "واتساب" in response.json()["message_ar"]


def test_another_tenant_cannot_decide_our_draft(client):
    started = client.post("/api/v1/partners/message-draft", json={"partner_id": "P-001"}).json()
    Who.caller = Caller(user_id="boss@globex", tenant="globex", role=Role.ceo)

    response = client.post(f"/api/v1/partners/message-draft/{started['approval']['approval_id']}/decision",
                           json={"decision": "approve"})
    assert response.status_code == 404


def test_revenue_flow_over_the_api(client):
    assert client.post("/api/v1/partners/agreements", json={
        "partner_id": "P-002", "model": "referral", "rate_pct": 10, "agreed_on": "2026-01-01"}).status_code == 201
    referral = client.post("/api/v1/partners/referrals", json={
        "partner_id": "P-002", "company_name": "شركة مُحالة", "referred_on": "2026-02-01"}).json()["referral"]
    deal = client.post(f"/api/v1/partners/referrals/{referral['referral_id']}/deals",
                       json={"amount_sar": 45000, "collected_on": "2026-03-01"})

    assert deal.status_code == 201 and deal.json()["commission"]["amount_sar"] == 4500
    summary = client.get("/api/v1/partners/revenue").json()["summary"]
    assert summary["revenue_sar"] == 45000 and summary["commission_due_sar"] == 4500

    Who.caller = Caller(user_id="boss@globex", tenant="globex", role=Role.ceo)
    assert client.get("/api/v1/partners/revenue").json()["summary"]["revenue_sar"] == 0
    assert client.post(f"/api/v1/partners/referrals/{referral['referral_id']}/deals",
                       json={"amount_sar": 1, "collected_on": "2026-03-01"}).status_code == 404


def test_routes_need_a_key(settings):
    with TestClient(create_app(settings, clock=fixed_clock)) as anonymous:
        assert anonymous.get("/api/v1/partners/suggestions").status_code == 401


def test_cli_suggest_json_and_text(settings, monkeypatch):
    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "c" * 32)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        as_json = runner.invoke(cli, ["partners", "suggest", "--json", "--top", "4"])
        as_text = runner.invoke(cli, ["partners", "suggest", "--top", "2"])
    finally:
        get_settings.cache_clear()

    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["scorecard"]["total"] >= rows[-1]["scorecard"]["total"]
    assert as_text.exit_code == 0 and "الشركاء المقترحون" in as_text.output and "الملاءمة" in as_text.output


def test_cli_refuses_an_unknown_partner_in_arabic(settings, monkeypatch):
    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "c" * 32)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["partners", "brief", "P-404"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "unknown_partner" in result.output


def test_cli_records_a_referred_deal_and_refuses_a_fraction_of_a_halala_politely(settings, monkeypatch):
    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "c" * 32)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(cli, ["partners", "referral", "P-001", "شركة مُحالة", "--on", "2026-02-01", "--json"])
        assert added.exit_code == 0, added.output
        referral_id = json.loads(added.output)["referral_id"]
        refused = runner.invoke(cli, ["partners", "deal", referral_id, "--amount", "0.001", "--on", "2026-03-01"])
        recorded = runner.invoke(cli, ["partners", "deal", referral_id, "--amount", "1500", "--on", "2026-03-01"])
    finally:
        get_settings.cache_clear()

    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)  # no traceback
    assert "لا يقل عن هللة واحدة" in refused.output and "[amount_invalid]" in refused.output
    assert "Traceback" not in refused.output
    assert recorded.exit_code == 0, recorded.output
    assert "1,500.00 ريال" in recorded.output
