"""The proof routes: demo routes without a key, tenant routes scoped to the key's tenant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from proof_support import OTHER, TENANT, Rig, event, seed_week

from api.app import create_app
from api.keys import key_store_for
from tools.models import Role, RWUType


@pytest.fixture
def client(rig: Rig) -> Iterator[TestClient]:
    seed_week(rig)
    with TestClient(create_app(rig.settings, clock=rig.clock)) as test_client:
        yield test_client


def _auth(rig: Rig, tenant: str, role: Role = Role.sales_manager) -> dict[str, str]:
    issued = key_store_for(rig.settings).create(user_id=f"{role.value}@{tenant}", tenant=tenant, role=role,
                                                now=rig.clock())
    return {"Authorization": f"Bearer {issued.key}"}


# --------------------------------------------------------------------------------- demo
def test_demo_proof_pack_needs_no_key_and_comes_in_every_format(client: TestClient) -> None:
    body = client.get("/api/v1/proof-pack/demo").json()
    assert body["pack"]["tenant"] == "demo" and body["pack"]["revenue_estimate"]["is_estimate"] is True
    html = client.get("/api/v1/proof-pack/demo", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html") and 'dir="rtl" lang="ar"' in html.text
    md = client.get("/api/v1/proof-pack/demo", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# حزمة إثبات القيمة")
    pdf = client.get("/api/v1/proof-pack/demo", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_an_unknown_format_is_a_problem_not_a_guess(client: TestClient) -> None:
    response = client.get("/api/v1/proof-pack/demo", params={"format": "docx"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_demo_ledger_and_units_cover_every_work_unit_type_with_linked_events(client: TestClient) -> None:
    units = client.get("/api/v1/revenue-work-units/demo").json()
    assert set(units["counts"]) == {t.value for t in RWUType}
    assert all(count >= 1 for count in units["counts"].values()), units["counts"]
    assert units["total"] == sum(units["counts"].values()) == len(units["units"])
    ledger = client.get("/api/v1/proof-ledger/demo").json()
    assert ledger["chain_ok"] is True and ledger["total"] == units["total"]
    assert all(e["linked"] and e["event_kind"] for e in ledger["entries"])
    stamps = [e["ts"] for e in ledger["entries"]]
    assert stamps == sorted(stamps, reverse=True)
    only = client.get("/api/v1/revenue-work-units/demo", params={"type": "risk_blocked"}).json()
    assert {u["type"] for u in only["units"]} == {"risk_blocked"} and only["total"] == units["counts"]["risk_blocked"]


def test_demo_responses_are_the_same_on_every_call(client: TestClient) -> None:
    assert client.get("/api/v1/proof-pack/demo").json() == client.get("/api/v1/proof-pack/demo").json()


# --------------------------------------------------------------------------------- tenant
@pytest.mark.parametrize("path", ["/api/v1/proof-pack", "/api/v1/proof-ledger", "/api/v1/revenue-work-units"])
def test_tenant_routes_need_a_key(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_each_tenant_sees_only_its_own_units_whatever_the_query_says(client: TestClient, rig: Rig) -> None:
    acme = client.get("/api/v1/revenue-work-units", headers=_auth(rig, TENANT),
                      params={"tenant": OTHER}).json()
    globex = client.get("/api/v1/revenue-work-units", headers=_auth(rig, OTHER)).json()
    assert acme["tenant"] == TENANT and globex["tenant"] == OTHER
    assert acme["counts"]["opportunity_created"] == 3 and globex["counts"]["opportunity_created"] == 2
    assert {u["rwu_id"] for u in acme["units"]}.isdisjoint({u["rwu_id"] for u in globex["units"]})
    for unit in globex["units"]:
        assert event(rig.settings, unit["audit_event"])["tenant"] == OTHER


def test_the_tenant_ledger_joins_each_unit_to_its_own_tenants_event(client: TestClient, rig: Rig) -> None:
    body = client.get("/api/v1/proof-ledger", headers=_auth(rig, OTHER), params={"limit": 2}).json()
    assert body["tenant"] == OTHER and body["total"] == 5 and len(body["entries"]) == 2  # rank 1+2, draft, block
    for entry in body["entries"]:
        assert entry["linked"] and event(rig.settings, entry["audit_event"])["tenant"] == OTHER


def test_the_tenant_pack_is_built_for_the_callers_tenant_and_recorded_as_theirs(client: TestClient,
                                                                                 rig: Rig) -> None:
    response = client.get("/api/v1/proof-pack", headers=_auth(rig, TENANT, Role.ceo),
                          params={"period_start": "2026-11-22", "period_end": "2026-11-22"})
    pack = response.json()["pack"]
    assert pack["tenant"] == TENANT and pack["created_total"] == 12
    assert pack["awaiting_approval"]["count"] == 2 and pack["protected"]["opt_outs_honoured"] == 1
    recorded = event(rig.settings, pack["audit_event"])
    assert (recorded["tenant"], recorded["action"], recorded["actor"]) == (TENANT, "proof.pack_build", "ceo@acme")
    other = client.get("/api/v1/proof-pack", headers=_auth(rig, OTHER), params={"format": "md"})
    assert other.status_code == 200 and "acme" not in other.text


def test_a_reversed_period_is_refused_with_an_arabic_problem(client: TestClient, rig: Rig) -> None:
    response = client.get("/api/v1/proof-pack", headers=_auth(rig, TENANT),
                          params={"period_start": "2026-11-22", "period_end": "2026-11-01"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "period_invalid" and "الفترة" in problem["message_ar"]
    bad_date = client.get("/api/v1/revenue-work-units", headers=_auth(rig, TENANT),
                          params={"period_start": "22/11/2026"})
    assert bad_date.status_code == 422 and bad_date.json()["code"] == "validation_failed"
