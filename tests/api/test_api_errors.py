"""Every error is application/problem+json (RFC 9457) with a stable code, an English title and Arabic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import auth, fixed_clock, is_problem
from fastapi import HTTPException
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import gateway_status, problem_responses
from dealix.settings import Settings
from graphs.resume import DecisionError
from tools.errors import ApprovalError, ArgumentsError, ConnectorError, GatewayError, NotFound, RoleNotAllowed


@pytest.fixture
def odd_client(settings: Settings) -> Iterator[TestClient]:
    """The real app plus three routes that fail the ways other routers can."""
    app = create_app(settings, clock=fixed_clock)

    @app.get("/api/v1/_test/domain")
    def domain() -> dict[str, str]:
        raise HTTPException(status_code=409, detail={"code": "card_already_decided",
                                                     "message_ar": "سبق اتخاذ قرار في هذه البطاقة.",
                                                     "message_en": "The card was already decided."})

    @app.get("/api/v1/_test/gateway")
    def gateway() -> dict[str, str]:
        raise NotFound("لا توجد موافقة بهذا المعرّف.", "No approval 'apr_x'.")

    @app.get("/api/v1/_test/crash")
    def crash() -> dict[str, str]:
        raise RuntimeError("database at /srv/secret.db exploded for sara@example.sa")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_no_key_is_401_problem_with_arabic_message_and_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/approvals")
    body = is_problem(response, 401, "unauthenticated")
    assert body["title"] == "Unauthenticated" and body["instance"] == "/api/v1/approvals"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [
    {"Authorization": "Bearer dx_nothere_secret"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer "},
    {"X-API-Key": "not-a-key"},
    {"X-API-Key": "dx__"},
])
def test_malformed_or_unknown_keys_are_401(client: TestClient, header: dict[str, str]) -> None:
    is_problem(client.get("/api/v1/drafts", headers=header), 401, "unauthenticated")


def test_a_routers_dict_detail_becomes_a_problem_with_its_own_code(odd_client: TestClient) -> None:
    body = is_problem(odd_client.get("/api/v1/_test/domain"), 409, "card_already_decided")
    assert body["message_ar"] == "سبق اتخاذ قرار في هذه البطاقة." and body["detail"] == "The card was already decided."


def test_gateway_errors_map_by_class(odd_client: TestClient) -> None:
    body = is_problem(odd_client.get("/api/v1/_test/gateway"), 404, "not_found")
    assert body["detail"] == "No approval 'apr_x'."


def test_an_unexpected_error_is_a_500_that_leaks_nothing(odd_client: TestClient) -> None:
    response = odd_client.get("/api/v1/_test/crash")
    body = is_problem(response, 500, "internal_error")
    assert "secret" not in response.text and "sara@" not in response.text and "RuntimeError" not in response.text
    assert body["title"] == "Internal error"


def test_validation_errors_list_fields_and_never_echo_the_input(client: TestClient, key: object) -> None:
    token = key()  # type: ignore[operator]
    hostile = "<script>alert(1)</script>" * 5
    response = client.post("/api/v1/approvals/apr_1", json={"decision": hostile}, headers=auth(token))
    body = is_problem(response, 422, "validation_failed")
    assert body["errors"] and body["errors"][0]["loc"][:2] == ["body", "decision"]
    assert "<script>" not in response.text


def test_unknown_path_and_wrong_method_are_problems(client: TestClient) -> None:
    is_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")
    is_problem(client.delete("/api/v1/health"), 405, "method_not_allowed")


def test_a_body_over_the_limit_is_refused_before_any_route_reads_it(tmp_path: object, settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_body_bytes": 2048})
    with TestClient(create_app(small, clock=fixed_clock)) as client:
        declared = client.post("/api/v1/threads", content=b"{" + b" " * 4000 + b"}",
                               headers={"Content-Type": "application/json"})
        body = is_problem(declared, 413, "payload_too_large")
        assert "2 KiB" in body["detail"] or "2 كيلوبايت" in body["message_ar"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 500

        is_problem(client.post("/api/v1/threads", content=chunks(), headers={"Content-Type": "application/json"}),
                   413, "payload_too_large")


def test_multipart_uploads_get_the_larger_limit(settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_body_bytes": 2048, "api_max_upload_bytes": 64 * 1024})
    with TestClient(create_app(small, clock=fixed_clock)) as client:
        response = client.post("/api/v1/targeting/import", files={"file": ("x.pdf", b"%" * 8000)})
        assert response.status_code != 413  # past the JSON limit, within the upload limit
        too_big = client.post("/api/v1/targeting/import", files={"file": ("x.csv", b"a" * 70 * 1024)})
        is_problem(too_big, 413, "payload_too_large")


@pytest.mark.parametrize(("error", "status"), [
    (NotFound("x"), 404), (RoleNotAllowed("x"), 403), (ApprovalError("x"), 409), (ArgumentsError("x"), 422),
    (ConnectorError("x"), 502), (ApprovalError("x", code="approval_expired"), 409),
    (NotFound("x", code="thread_not_found"), 404), (DecisionError("x"), 409), (GatewayError("x"), 400),
])
def test_gateway_error_statuses(error: GatewayError, status: int) -> None:
    assert gateway_status(error) == status


def test_problem_responses_document_problem_json_with_examples() -> None:
    documented = problem_responses(403, 404)
    assert set(documented) == {401, 403, 404, 422}
    example = documented[403]["content"]["application/problem+json"]["example"]
    assert example["code"] == "forbidden" and example["message_ar"]
