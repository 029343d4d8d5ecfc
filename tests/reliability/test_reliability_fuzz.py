"""schemathesis against the app's OpenAPI schema: every operation, authenticated, with generated input.

No response is a 5xx and every response matches the status codes, content type and schema that
the OpenAPI document declares. ``DEALIX_FUZZ_EXAMPLES`` (default 8) sets the examples per operation.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from reliability_support import TENANT, clock_at, lead_rows, settings_for, write_leads
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.keys import key_store_for
from skills.targeting.factory import build_service
from tools.models import Role

EXAMPLES = int(os.environ.get("DEALIX_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fuzz")
    conf = settings_for(root / "data").model_copy(update={"api_rate_limit": 1_000_000})
    leads = write_leads(root / "leads.csv", lead_rows(5))
    build_service(conf, tenant=TENANT, clock=clock_at(0)).import_file(leads)
    key = key_store_for(conf).create(user_id="fuzz-manager", tenant=TENANT, role=Role.sales_manager,
                                     now=clock_at(0)()).key
    return {"app": create_app(conf, clock=clock_at(0)), "headers": {"Authorization": f"Bearer {key}", "X-API-Key": key}}


@pytest.fixture(scope="module")
def api_schema(fuzz_env: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_env["app"])


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.slow
def test_every_route_answers_within_its_schema_and_never_5xx(api_schema: Any, fuzz_env: dict[str, Any]) -> None:
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        try:
            _fuzz(operation, fuzz_env["headers"])
        except Exception as exc:  # collect every failing operation, then report them together
            failures[operation.label] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def test_the_fuzzed_schema_covers_every_api_route(api_schema: Any, fuzz_env: dict[str, Any]) -> None:
    from fastapi.routing import APIRoute, iter_route_contexts

    fuzzed = {(op.method.upper(), op.path) for op in (r.ok() for r in api_schema.get_all_operations())}
    routes = {(method, ctx.path_format) for ctx in iter_route_contexts(fuzz_env["app"].routes)
              if isinstance(ctx.original_route, APIRoute) and ctx.original_route.include_in_schema
              and (ctx.path_format or "").startswith("/api/") for method in (ctx.methods or set()) - {"HEAD"}}
    assert len(routes) > 20 and routes <= fuzzed, sorted(routes - fuzzed)


OUT_OF_CALENDAR = [f"/api/v1/growth/weekly-report?week_of={day}"
                   for day in ("1900-01-07", "0001-01-01", "9999-12-31")] + [
    f"/api/v1/{route}?{param}={day}" for route in ("proof-ledger", "revenue-work-units", "proof-pack")
    for param in ("period_start", "period_end") for day in ("0001-01-01", "9999-12-31")]


@pytest.mark.parametrize("url", OUT_OF_CALENDAR)
def test_a_day_outside_the_calendar_is_a_422_not_a_crash(fuzz_env: dict[str, Any], url: str) -> None:
    """Found by the fuzzer: a Hijri date before 1924 or date arithmetic near year 1 / 9999 raised
    OverflowError (a 500) on the growth report, the proof ledger and the revenue work units."""
    from fastapi.testclient import TestClient

    with TestClient(fuzz_env["app"]) as client:
        response = client.get(url, headers=fuzz_env["headers"])
    assert response.status_code == 422, response.text
    assert response.json()["code"] and response.json()["message_ar"]
