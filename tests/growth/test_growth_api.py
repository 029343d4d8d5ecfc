"""``/api/v1/growth``: daily plan, its approvals, the weekly report, outcomes and experiments — tenant-scoped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from growth_support import MONDAY_10, OTHER, TENANT

from api.app import create_app
from api.services import key_store_for
from dealix.settings import Settings
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import Role


def _clock() -> datetime:
    return MONDAY_10


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=_clock)) as test_client:
        yield test_client


def _auth(settings: Settings, tenant: str = TENANT, role: Role = Role.sales_manager) -> dict[str, str]:
    key = key_store_for(settings).create(user_id=f"{role.value}@{tenant}", tenant=tenant, role=role, now=MONDAY_10).key
    return {"Authorization": f"Bearer {key}"}


def _leads(settings: Settings, tenant: str = TENANT) -> None:
    service = build_service(settings, tenant=tenant, clock=_clock)
    service.import_file(SAMPLE_FILE)
    service.repository.close()


def test_every_route_needs_an_api_key(client: TestClient) -> None:
    for method, path in (("get", "/api/v1/growth/daily-plan"), ("post", "/api/v1/growth/daily-plan"),
                         ("get", "/api/v1/growth/weekly-report"), ("get", "/api/v1/growth/experiments")):
        assert getattr(client, method)(path).status_code == 401


def test_post_starts_the_plan_get_shows_it_and_approving_through_the_api_closes_it(
        client: TestClient, settings: Settings) -> None:
    _leads(settings)
    headers = _auth(settings)
    created = client.post("/api/v1/growth/daily-plan", headers=headers)
    assert created.status_code == 201, created.text
    plan = created.json()["plan"]
    assert len(plan["pool"]) == 20 and len(plan["steps"]) == 10 and plan["status"] == "awaiting_approvals"
    assert plan["pending"] and all(a["action_request"]["action"] in ("gmail.draft", "whatsapp.draft")
                                   for a in plan["pending"])
    shown = client.get("/api/v1/growth/daily-plan", headers=headers).json()["plan"]
    assert shown["thread_id"] == plan["thread_id"] and len(shown["pending"]) == len(plan["pending"])

    for approval in plan["pending"]:
        answered = client.post(f"/api/v1/growth/daily-plan/approvals/{approval['approval_id']}", headers=headers,
                               json={"decision": "approve"})
        assert answered.status_code == 200, answered.text
    final = answered.json()["plan"]
    assert final["status"] == "done" and final["scorecard"]["counts"]["executed"] == len(plan["pending"])
    assert len(final["followups"]) == len(plan["pending"])


def test_another_tenant_cannot_see_or_answer_the_plan(client: TestClient, settings: Settings) -> None:
    _leads(settings)
    plan = client.post("/api/v1/growth/daily-plan", headers=_auth(settings)).json()["plan"]
    theirs = _auth(settings, tenant=OTHER, role=Role.ceo)
    assert client.get("/api/v1/growth/daily-plan", headers=theirs).status_code == 404
    assert client.get("/api/v1/growth/daily-plan", headers=theirs,
                      params={"thread_id": plan["thread_id"]}).status_code == 404
    approval_id = plan["pending"][0]["approval_id"]
    refused = client.post(f"/api/v1/growth/daily-plan/approvals/{approval_id}", headers=theirs,
                          json={"decision": "approve"})
    assert refused.status_code == 404
    # a tenant or role in the body is not a field at all
    smuggled = client.post(f"/api/v1/growth/daily-plan/approvals/{approval_id}", headers=_auth(settings),
                           json={"decision": "approve", "tenant": OTHER, "role": "ceo"})
    assert smuggled.status_code == 422


def test_a_role_that_may_not_approve_gets_403_and_the_draft_waits(client: TestClient, settings: Settings) -> None:
    _leads(settings)
    plan = client.post("/api/v1/growth/daily-plan", headers=_auth(settings)).json()["plan"]
    approval_id = plan["pending"][0]["approval_id"]
    refused = client.post(f"/api/v1/growth/daily-plan/approvals/{approval_id}",
                          headers=_auth(settings, role=Role.self_growth), json={"decision": "approve"})
    assert refused.status_code == 403 and refused.json()["message_ar"]
    again = client.get("/api/v1/growth/daily-plan", headers=_auth(settings)).json()["plan"]
    assert approval_id in {a["approval_id"] for a in again["pending"]}


def test_weekly_report_in_json_markdown_and_html(client: TestClient, settings: Settings) -> None:
    headers = _auth(settings)
    recorded = client.post("/api/v1/growth/outcomes", headers=headers, json={"records": [
        {"lead_id": f"ld_{i}", "occurred_at": "2026-11-16T10:00:00+03:00", "event": event, "segment": "retail",
         "channel": "email"} for i in range(4) for event in ("approved", "replied")]})
    assert recorded.json() == {"received": 8, "added": 8}
    body = client.get("/api/v1/growth/weekly-report", headers=headers, params={"week_of": "2026-11-18"}).json()
    assert body["report"]["best_segment"]["key"] == "retail" and body["report"]["week_start"] == "2026-11-15"
    assert body["markdown"].startswith("# تقرير التعلّم الأسبوعي")
    markdown = client.get("/api/v1/growth/weekly-report", headers=headers, params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown") and "المؤشرات الثمانية" in markdown.text
    html = client.get("/api/v1/growth/weekly-report", headers=headers, params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html") and 'dir="rtl" lang="ar"' in html.text
    theirs = client.get("/api/v1/growth/weekly-report", headers=_auth(settings, tenant=OTHER),
                        params={"week_of": "2026-11-18"}).json()
    assert theirs["report"]["best_segment"] is None  # another tenant's outcomes never show


@pytest.mark.parametrize("lead_id", ["0551234567", "sara@example.sa"])
def test_outcomes_refuse_contact_details_as_ids(client: TestClient, settings: Settings, lead_id: str) -> None:
    response = client.post("/api/v1/growth/outcomes", headers=_auth(settings), json={"records": [
        {"lead_id": lead_id, "occurred_at": "2026-11-16T10:00:00+03:00", "event": "replied"}]})
    assert response.status_code == 422


@pytest.mark.parametrize("occurred_at", [0, 1_763_280_000, 1.5])
def test_outcomes_refuse_a_number_for_the_time(client: TestClient, settings: Settings, occurred_at: float) -> None:
    """Found by the contract run (schemathesis): ``occurred_at: 0`` was read as Unix seconds and stored as 1970."""
    response = client.post("/api/v1/growth/outcomes", headers=_auth(settings), json={"records": [
        {"lead_id": "ld_7", "occurred_at": occurred_at, "event": "replied"}]})
    assert response.status_code == 422, response.text


def test_experiments_lifecycle_and_least_privilege(client: TestClient, settings: Settings) -> None:
    spec = {"experiment_id": "cta_test", "name_ar": "اختبار الدعوة", "kind": "message", "metric": "reply",
            "variants": [{"variant_id": "a", "label_ar": "سؤال"}, {"variant_id": "b", "label_ar": "موعد مقترح"}],
            "min_sample_per_variant": 10}
    assert client.post("/api/v1/growth/experiments", headers=_auth(settings, role=Role.support),
                       json=spec).status_code == 403
    manager = _auth(settings, role=Role.growth_manager)
    created = client.post("/api/v1/growth/experiments", headers=manager, json=spec)
    assert created.status_code == 201 and created.json()["analysis"]["verdict"] == "insufficient_sample"
    assert client.post("/api/v1/growth/experiments", headers=manager, json=spec).status_code == 409
    first = client.get("/api/v1/growth/experiments/cta_test/assignments/ld_7", headers=manager).json()
    again = client.get("/api/v1/growth/experiments/cta_test/assignments/ld_7", headers=_auth(settings)).json()
    assert first == again
    assert client.get("/api/v1/growth/experiments/cta_test/assignments/0551234567",
                      headers=manager).status_code == 422
    results = [{"contact_id": f"ld_{i}", "success": i % 4 == 0} for i in range(40)]
    analysis = client.post("/api/v1/growth/experiments/cta_test/results", headers=manager,
                           json={"results": results}).json()["analysis"]
    assert sum(v["n"] for v in analysis["variants"]) == 40
    comparison = analysis["comparisons"][0]
    assert {"p_value", "p_adjusted", "ci_low", "ci_high", "cohens_h", "method"} <= set(comparison)
    assert client.get("/api/v1/growth/experiments/cta_test", headers=_auth(settings, tenant=OTHER)).status_code == 404
    concluded = client.post("/api/v1/growth/experiments/cta_test/conclude", headers=manager)
    assert concluded.status_code == 200 and concluded.json()["analysis"]["experiment"]["status"] == "concluded"
    closed = client.post("/api/v1/growth/experiments/cta_test/results", headers=manager, json={"results": results})
    assert closed.status_code == 409
    listed = client.get("/api/v1/growth/experiments", headers=manager).json()["experiments"]
    assert [e["experiment_id"] for e in listed] == ["cta_test"]
