"""The OpenAPI document tells the truth: the fast half of the contract (the full schemathesis run,
``--checks all`` against ``dealix serve``, is tests/reliability/test_reliability_contract.py, marked slow).

Each test here is one failure schemathesis found on main: undeclared 401/422 answers, problems
documented as application/json, a 400 for a body that is not UTF-8, a 405 naming one method of
two, a valid X-API-Key authenticating beside a garbage bearer token, a 500 on 0.001 SAR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.errors import PROBLEM_MEDIA_TYPE

_METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/openapi.json").json()
    return [(path, method, operation) for path, item in schema["paths"].items() if path.startswith("/api/")
            for method, operation in item.items() if method in _METHODS]


def test_every_error_answer_is_declared_as_a_problem(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) > 60
    for path, method, operation in operations:
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        if operation.get("security"):
            assert {"401", "403", "429"} <= set(responses), label
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in responses, label
        if "requestBody" in operation:
            assert "413" in responses, label
        for status, response in responses.items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (label, status)
                assert response["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in client.get("/openapi.json").text


def test_keys_are_security_schemes_not_header_parameters(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    for path, method, operation in _operations(client):
        names = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
        assert not names & {"authorization", "x-api-key"}, f"{method} {path}"
    threads = schema["paths"]["/api/v1/threads"]["get"]
    assert threads["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "security" not in schema["paths"]["/api/v1/health"]["get"]


def test_a_body_that_is_not_utf8_is_a_422_problem_on_every_json_route(client: TestClient,
                                                                       key: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {key()}", "Content-Type": "application/json"}
    checked = 0
    for path, method, operation in _operations(client):
        if "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        url = path.replace("{", "").replace("}", "")  # any id: the body is read first
        response = client.request(method.upper(), url, content=b"\xff\xfe\x00{", headers=headers)
        assert response.status_code == 422, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["code"] in {"body_unreadable", "validation_failed"}
        checked += 1
    assert checked > 25


def test_options_answers_405_naming_every_method_of_the_path(client: TestClient, key: Callable[..., str]) -> None:
    schema = client.get("/openapi.json").json()
    headers = {"Authorization": f"Bearer {key()}"}
    for path in ("/api/v1/threads", "/api/v1/growth/daily-plan", "/api/v1/support/tickets",
                 "/api/v1/approvals/{approval_id}", "/api/v1/growth/experiments"):
        response = client.options(path.replace("{approval_id}", "apr_1"), headers=headers)
        documented = sorted(m.upper() for m in schema["paths"][path] if m in _METHODS)
        assert response.status_code == 405
        assert response.headers["allow"] == ", ".join(documented), path
        assert len(documented) == 2
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


@pytest.mark.parametrize("where", ["bearer_garbage", "x_api_key_garbage", "other_valid_key"])
def test_two_keys_that_disagree_are_refused(client: TestClient, key: Callable[..., str], where: str) -> None:
    valid, other = key(), key(user="someone-else")
    headers = {"bearer_garbage": {"X-API-Key": valid, "Authorization": "Bearer garbage"},
               "x_api_key_garbage": {"X-API-Key": "garbage", "Authorization": f"Bearer {valid}"},
               "other_valid_key": {"X-API-Key": other, "Authorization": f"Bearer {valid}"}}[where]
    for url in ("/api/v1/threads", "/api/v1/cards/feed"):  # the feed has its own fast path (api/fast_feed.py)
        response = client.get(url, headers=headers)
        assert response.status_code == 401, (url, response.text)
        assert response.json()["code"] == "credentials_ambiguous"


def test_the_same_key_in_both_headers_is_one_credential(client: TestClient, key: Callable[..., str]) -> None:
    valid = key()
    assert client.get("/api/v1/threads", headers={"X-API-Key": valid, "Authorization": f"Bearer {valid}"}
                      ).status_code == 200


def _referral(client: TestClient, headers: dict[str, str]) -> str:
    assert client.post("/api/v1/partners/agreements", headers=headers, json={
        "partner_id": "P-002", "model": "referral", "rate_pct": 10, "agreed_on": "2026-01-01"}).status_code == 201
    response = client.post("/api/v1/partners/referrals", headers=headers, json={
        "partner_id": "P-002", "company_name": "شركة مُحالة", "referred_on": "2026-02-01"})
    assert response.status_code == 201, response.text
    return str(response.json()["referral"]["referral_id"])


@pytest.mark.parametrize("amount", [0.001, 2.22e-16, 5e-324, 0.0049, 0, -1, 1_000_000_001])
def test_an_amount_below_one_halala_or_out_of_bounds_is_a_422_not_a_500(
        client: TestClient, key: Callable[..., str], amount: float) -> None:
    headers = {"Authorization": f"Bearer {key(role=_partner_role())}"}
    referral = _referral(client, headers)
    response = client.post(f"/api/v1/partners/referrals/{referral}/deals", headers=headers,
                           json={"amount_sar": amount, "collected_on": "2026-03-01"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "amount_sar"]


def test_one_halala_is_an_amount(client: TestClient, key: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {key(role=_partner_role())}"}
    referral = _referral(client, headers)
    response = client.post(f"/api/v1/partners/referrals/{referral}/deals", headers=headers,
                           json={"amount_sar": 0.011, "collected_on": "2026-03-01"})
    assert response.status_code == 201, response.text


def _partner_role() -> Any:
    from tools.models import Role

    return Role.agency_partner


def test_an_audit_sequence_beyond_int64_is_a_422_not_a_500(client: TestClient, key: Callable[..., str]) -> None:
    response = client.get("/api/v1/audit/events", params={"after_seq": 2**64 - 1},
                          headers={"Authorization": f"Bearer {key()}"})
    assert response.status_code == 422


@pytest.mark.parametrize(("body", "status"), [({"decision": "edit"}, 422), ({"decision": "approve", "args": {}}, 422),
                                              ({"decision": "reject", "reason": " \x1c"}, 422)])
def test_the_approval_rules_are_in_the_schema_and_enforced(client: TestClient, key: Callable[..., str],
                                                           body: dict[str, Any], status: int) -> None:
    """The cross-field rules live in the document (anyOf), so a client sees them before it sends."""
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ApprovalDecisionRequest"]
    assert len(schema["anyOf"]) == 3
    response = client.post("/api/v1/approvals/apr_missing", json=body, headers={"Authorization": f"Bearer {key()}"})
    assert response.status_code == status
