"""The tenant sweep: over every route of the app, a user of tenant A gets 404 for each tenant-B resource,
and no list A can read contains anything of B's.

Tenant B's resources are made through the API itself: a chat turn (threads, autopilot approvals),
a decision (a draft), and every collection POST of every router with a body built from its OpenAPI
schema (cards, tickets, experiments, referrals, ... as the routers grow). Each id found in B's
responses under a path parameter's name becomes that parameter's value in the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from api_support import auth, chat, lead_rows, seed_leads
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from route_inventory import all_routes
from sweep_support import find_values, made_up_id, path_params, request_bodies

from dealix.settings import Settings
from dealix.wiring import build_gateway
from tools.models import Role

B_MARK = "BetaUnique"


def _is_public(path: str) -> bool:
    """Health probes and the public demos (same sample data for everyone) hold no tenant's data."""
    return path in ("/api/v1/health", "/api/v1/ready") or path.endswith("/demo") or "/demo/" in path


# Path parameters that name an entry of the deployment's own registry, not a tenant's resource: a tenant
# switching an integration acts on its own switch only (tests/governance/test_governance_connector_enable.py).
_REGISTRY_ROUTES = frozenset({"/api/v1/governance/connectors/{name}/enable",
                              "/api/v1/governance/connectors/{name}/disable"})


def _api_operations(app: FastAPI) -> list[tuple[str, str]]:
    ops = []
    for route in all_routes(app):
        path = str(route.path)
        if isinstance(route.original_route, APIRoute) and path.startswith("/api/v1/") and not _is_public(path):
            ops += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return ops


def _send(client: TestClient, method: str, path: str, key: str, body: tuple[str, Any] | None) -> Any:
    if body is None:
        return client.request(method, path, headers=auth(key))
    content_type, payload = body
    if content_type != "application/json":
        return client.request(method, path, headers=auth(key), files={"file": ("x.csv", b"company\nx\n")})
    return client.request(method, path, headers=auth(key), json=payload)


def _call(client: TestClient, spec: dict[str, Any], method: str, template: str, path: str, key: str) -> Any:
    """The response to the first candidate body the route does not reject as a malformed body."""
    bodies: list[tuple[str, Any] | None] = list(request_bodies(spec, template, method)) or [None]
    response = None
    for body in bodies:
        response = _send(client, method, path, key, body)
        malformed = response.status_code == 422 and all(
            e.get("loc", [""])[0] == "body" for e in response.json().get("errors") or [{"loc": ["body"]}])
        if not malformed:
            return response
    return response


def _make_b_resources(client: TestClient, app: FastAPI, b: str, settings: Settings) -> dict[str, set[str]]:
    spec = app.openapi()
    rows = lead_rows(B_MARK, 3)
    seed_leads(settings, "beta", [*rows, {**rows[0], "title": "CEO"}])  # one person twice: a merge B can undo
    _seed_dead_letter(settings, "beta")
    thread_id, events = chat(client, b, "rank my top 3 leads today")
    approvals = [e["approval"] for e in events if e["type"] == "approval_request"]
    assert len(approvals) == 3
    decided = client.post(f"/api/v1/approvals/{approvals[0]['approval_id']}", json={"decision": "approve"},
                          headers=auth(b)).json()
    ids: dict[str, set[str]] = {"thread_id": {thread_id, approvals[0]["thread_id"]},
                                "approval_id": {a["approval_id"] for a in approvals[1:]},
                                "draft_id": {decided["draft_id"]}}
    operations = _api_operations(app)
    templates = {p for _, p in operations} - _REGISTRY_ROUTES
    wanted = {name for p in templates for name in path_params(p)} | {"partner_id"}

    def collect_lists() -> None:
        for method, path in operations:
            if method == "GET" and not path_params(path):
                response = client.get(path, headers=auth(b))
                if response.status_code == 200 and "json" in response.headers.get("content-type", ""):
                    for name in wanted:
                        ids.setdefault(name, set()).update(find_values(response.json(), name))

    collect_lists()
    for method, path in operations:  # collection POSTs that make a resource B can later address
        if method == "POST" and not path_params(path) and any(t.startswith(path + "/{") for t in templates):
            override = _body_for(path, ids)
            response = (client.post(path, json=override, headers=auth(b)) if override is not None
                        else _call(client, spec, method, path, path, b))
            if response.status_code < 300 and "json" in response.headers.get("content-type", ""):
                for name in wanted:
                    ids.setdefault(name, set()).update(find_values(response.json(), name))
    collect_lists()
    return ids


def _seed_dead_letter(settings: Settings, tenant: str) -> None:
    """A failed execution of B's in the dead-letter queue (no API makes one: a connector has to fail)."""
    gateway = build_gateway(settings)
    with gateway.store.transaction() as conn:
        gateway.dead_letters.record_failure(
            conn, tenant=tenant, ledger_id=f"L{tenant}0001", effect_key=f"key-{tenant}", digest="d",
            action="gmail.draft", skill="execution_governor", args={}, thread_id="t", tool_call_id="c",
            contact_id=None, approval_id=None, error_code="os_error", error_message="disk full", retry_safe=True,
            now=datetime.now(UTC))


def _body_for(path: str, ids: dict[str, set[str]]) -> dict[str, Any] | None:
    """Bodies the schema alone cannot give (unique variant ids, an existing partner of B's)."""
    if path == "/api/v1/growth/experiments":
        return {"experiment_id": "beta_subject_lines", "name_ar": f"{B_MARK} تجربة", "kind": "message",
                "metric": "reply", "variants": [{"variant_id": "control", "label_ar": "الحالي"},
                                                {"variant_id": "short", "label_ar": "أقصر"}]}
    if path == "/api/v1/partners/referrals" and ids.get("partner_id"):
        return {"partner_id": sorted(ids["partner_id"])[0], "company_name": f"{B_MARK} referral",
                "referred_on": "2026-11-22"}
    return None


def test_tenant_a_gets_404_for_every_tenant_b_resource_and_sees_none_of_b(
        app: FastAPI, client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    b, a = key("beta", Role.ceo, "boss@beta"), key("alpha", Role.ceo, "boss@alpha")
    seed_leads(settings, "alpha", lead_rows("AlphaCo", 2))
    chat(client, a, "rank my top 2 leads today")  # A has data of its own: a scoped query must not fall back to B's
    ids = _make_b_resources(client, app, b, settings)
    spec = app.openapi()
    swept, unresolved, failures = 0, set(), []
    for method, template in _api_operations(app):
        names = path_params(template)
        if not names or template in _REGISTRY_ROUTES:
            continue
        values = {}
        for name in names:
            found = sorted(ids.get(name) or ())
            if not found:
                unresolved.add(name)
            values[name] = found[0] if found else made_up_id(spec, template, method, name)
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        response = _call(client, spec, method, template, path, a)
        swept += 1
        if response.status_code != 404 or not response.headers["content-type"].startswith("application/problem+json"):
            failures.append(f"{method} {path} -> {response.status_code} {response.text[:400]}")
    assert not failures, "tenant A reached tenant B's resources:\n" + "\n".join(failures)
    assert swept >= 4
    assert not unresolved, (
        f"no tenant-B resource was found for {sorted(unresolved)}: let B's collection POST or list return the id "
        "under the parameter's name, or give the sweep a body for it (_body_for)")

    markers = {B_MARK, "beta:", "boss@beta"} | {v for values in ids.values() for v in values if len(v) > 6}
    leaks = []
    for method, path in _api_operations(app):
        if method == "GET" and not path_params(path):
            text = client.get(path, headers=auth(a)).text
            leaks += [f"{path}: {m}" for m in markers if m in text]
    assert not leaks, f"tenant A's lists show tenant B's data: {leaks}"
