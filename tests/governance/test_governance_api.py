"""``/api/v1/governance``: tenant-scoped, role-checked, problem+json refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient
from governance_support import OTHER, TENANT, MovingClock, request_approval
from governance_support import api_headers as headers

from api.keys import key_store_for
from dealix.settings import Settings
from tools.gateway import Gateway
from tools.models import Role, ToolCall

ROUTES = ["/api/v1/governance/approvals-sla", "/api/v1/governance/contradictions",
          "/api/v1/governance/compliance", "/api/v1/governance/executive-room", "/api/v1/governance/connectors"]




def test_every_surface_needs_a_key(client: TestClient) -> None:
    for path in ROUTES:
        response = client.get(path)
        assert response.status_code == 401 and response.headers["content-type"].startswith("application/problem+json")


def test_the_ceo_opens_every_surface(client: TestClient, settings: Settings, clock: MovingClock) -> None:
    ceo = headers(settings, clock)
    for path in ROUTES:
        assert client.get(path, headers=ceo).status_code == 200, path


def test_roles_outside_a_surface_get_403_with_an_arabic_reason(client: TestClient, settings: Settings,
                                                                 clock: MovingClock) -> None:
    sales = headers(settings, clock, role=Role.sales_manager)
    refused = client.get("/api/v1/governance/executive-room", headers=sales)
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "role_not_allowed" and "الحوكمة" in body["message_ar"]
    assert client.get("/api/v1/governance/approvals-sla", headers=sales).status_code == 200
    growth_bot = headers(settings, clock, role=Role.self_growth)
    for path in ROUTES:
        assert client.get(path, headers=growth_bot).status_code == 403, path
    assert client.post("/api/v1/governance/approvals-sla/sweep", headers=growth_bot).status_code == 403
    assert client.post("/api/v1/governance/contradictions/cards", headers=growth_bot).status_code == 403


def test_the_approval_centre_is_scoped_to_the_callers_tenant(client: TestClient, settings: Settings,
                                                              clock: MovingClock, gateway: Gateway) -> None:
    mine = request_approval(gateway, contact_id="lead_1")
    theirs = request_approval(gateway, tenant=OTHER, contact_id="lead_1")
    clock.advance(hours=5)
    body = client.get("/api/v1/governance/approvals-sla", headers=headers(settings, clock)).json()
    assert [p["approval_id"] for p in body["pending"]] == [mine.approval_id]
    assert body["breached"] == 1 and body["pending"][0]["escalate_to"] == "ceo"
    swept = client.post("/api/v1/governance/approvals-sla/sweep", headers=headers(settings, clock)).json()
    assert swept["escalated"] == [mine.approval_id] and swept["cards_published"] == 1
    assert theirs.approval_id not in client.get("/api/v1/governance/executive-room",
                                                headers=headers(settings, clock)).text


def test_an_expired_approval_shows_as_a_denial(client: TestClient, settings: Settings, clock: MovingClock,
                                               gateway: Gateway) -> None:
    approval = request_approval(gateway)
    clock.advance(days=2, minutes=1)
    ceo = headers(settings, clock)
    swept = client.post("/api/v1/governance/approvals-sla/sweep", headers=ceo).json()
    assert swept["expired"] == [approval.approval_id]
    decision = client.get("/api/v1/governance/approvals-sla", headers=ceo).json()["decisions"][0]
    assert (decision["approval_id"], decision["verdict"], decision["denied"]) == (approval.approval_id, "expired", True)
    refused = client.post(f"/api/v1/approvals/{approval.approval_id}", json={"decision": "approve"}, headers=ceo)
    assert refused.status_code == 409  # the inbox sees a decided approval: nothing runs
    assert gateway.get_approval(approval.approval_id, TENANT).status == "expired"


def test_contradictions_and_their_cards(client: TestClient, settings: Settings, clock: MovingClock,
                                        gateway: Gateway) -> None:
    request_approval(gateway, contact_id="lead_5", thread_id="t1", call_id="a")
    request_approval(gateway, contact_id="lead_5", thread_id="t2", call_id="b")
    ceo = headers(settings, clock)
    listed = client.get("/api/v1/governance/contradictions", headers=ceo).json()
    assert listed["by_kind"] == {"lead_in_two_threads": 1} and listed["cards_published"] == 0
    assert client.post("/api/v1/governance/contradictions/cards", headers=ceo).json()["cards_published"] == 1
    assert client.get("/api/v1/governance/contradictions", headers=headers(settings, clock, tenant=OTHER)).json()[
        "contradictions"] == []


def test_compliance_over_the_api(client: TestClient, settings: Settings, clock: MovingClock) -> None:
    body = client.get("/api/v1/governance/compliance", headers=headers(settings, clock)).json()
    assert {c["framework"] for c in body["controls"]} == {"pdpl", "zatca", "sdaia", "nca"}
    assert body["met"] + body["gaps"] + body["no_data"] == len(body["controls"])


def console_login(client: TestClient, settings: Settings, clock: MovingClock, role: Role = Role.ceo) -> None:
    key = key_store_for(settings).create(user_id=f"{role.value}@{TENANT}", tenant=TENANT, role=role, now=clock.now).key
    assert client.post("/console/login", data={"api_key": key}, follow_redirects=False).status_code == 303


def test_the_console_view_for_the_ceo_with_hostile_text_inert(client: TestClient, settings: Settings,
                                                               clock: MovingClock, gateway: Gateway) -> None:
    hostile = "<script>window.__x=1</script>"
    request_approval(gateway, contact_id=hostile, thread_id="t1", call_id="a")
    request_approval(gateway, contact_id=hostile, thread_id="t2", call_id="b")
    gateway.decide(ToolCall(tenant=TENANT, skill="proof_pack_builder", action="crm.update", args={},
                            thread_id="t", tool_call_id="x"))
    clock.advance(hours=5)
    assert client.get("/console/governance", follow_redirects=False).status_code == 303
    console_login(client, settings, clock)
    page = client.get("/console/governance")
    assert page.status_code == 200
    html = page.text
    for marker in ("data-room", "data-heatmap", "data-approvals", "data-contradictions", "data-compliance",
                   "data-connectors"):
        assert marker in html, marker
    assert hostile not in html and "&lt;script&gt;" in html
    assert 'data-kind="lead_in_two_threads"' in html and 'data-kind="skill_out_of_scope"' in html
    assert '<span data-blocked>1</span>' in html and html.count("data-breached") == 2
    assert 'lang="en"' in client.get("/console/governance?lang=en").text


def test_the_console_view_shows_a_sales_manager_only_their_sections(client: TestClient, settings: Settings,
                                                                    clock: MovingClock) -> None:
    console_login(client, settings, clock, Role.sales_manager)
    html = client.get("/console/governance").text
    assert "data-approvals" in html and "data-contradictions" in html
    assert "data-room" not in html and "data-compliance" not in html and "data-connectors" not in html


def test_connectors_over_the_api(client: TestClient, settings: Settings, clock: MovingClock) -> None:
    body = client.get("/api/v1/governance/connectors", headers=headers(settings, clock)).json()
    names = {c["name"] for c in body["connectors"]}
    assert {"moyasar_invoice", "whatsapp_opt_in", "gmail_draft"} <= names
    assert all(set(c) >= {"credentials_present", "error_rate", "state"} for c in body["connectors"])
    sales = headers(settings, clock, role=Role.sales_manager)
    assert client.get("/api/v1/governance/connectors", headers=sales).status_code == 403
