"""The app's shape: no duplicate method+path, /api/v1 only, a response model on every API route, OpenAPI."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext
from route_inventory import all_routes
from starlette.routing import Mount, Route


def _method_paths(app: FastAPI) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for route in all_routes(app):
        if isinstance(route.original_route, Route):  # mounts are checked by prefix below
            pairs += [(method, str(route.path)) for method in sorted(route.methods or ()) if method != "HEAD"]
    return pairs


def test_no_two_routes_share_a_method_and_path(app: FastAPI) -> None:
    counts = Counter(_method_paths(app))
    duplicates = sorted(pair for pair, n in counts.items() if n > 1)
    assert not duplicates, f"duplicate routes: {duplicates}"
    mounts = [str(r.path) for r in all_routes(app) if isinstance(r.original_route, Mount)]
    assert len(mounts) == len(set(mounts))
    assert not [p for _, p in counts if any(p == m or p.startswith(m + "/") for m in mounts)], "a route under a mount"


def test_the_duplicate_check_would_catch_one(app: FastAPI) -> None:
    app.add_api_route("/api/v1/health", lambda: {"status": "ok"}, methods=["GET"])
    assert Counter(_method_paths(app))[("GET", "/api/v1/health")] == 2


def _api_routes(app: FastAPI) -> list[RouteContext]:
    return [r for r in all_routes(app) if isinstance(r.original_route, APIRoute) and r.include_in_schema]


def test_every_api_route_is_versioned_and_declares_its_response(app: FastAPI) -> None:
    routes = _api_routes(app)
    assert len(routes) >= 12
    for route in routes:
        assert route.path.startswith("/api/v1/"), route.path
        streamed = getattr(route, "stream_item_type", None) is not None
        assert route.response_model is not None or streamed, f"{route.path} has no response model"


def test_openapi_has_examples_and_documents_problems_and_the_event_stream(app: FastAPI) -> None:
    spec: dict[str, Any] = app.openapi()
    schemas = spec["components"]["schemas"]
    for name in ("Problem", "ApprovalDecisionRequest", "MessageCreate", "ThreadCreate", "Health", "DraftSummary"):
        assert schemas[name].get("examples"), f"{name} has no examples"
    decide = spec["paths"]["/api/v1/approvals/{approval_id}"]["post"]
    assert {"401", "403", "404", "409"} <= set(decide["responses"])
    assert "application/problem+json" in decide["responses"]["403"]["content"]
    stream = spec["paths"]["/api/v1/threads/{thread_id}/messages"]["post"]["responses"]["200"]["content"]
    assert "text/event-stream" in stream


def test_every_tenant_route_needs_a_key(app: FastAPI) -> None:
    """Every /api/v1 route except health, readiness and the public demos depends on the caller."""
    from api.deps import get_caller

    def depends_on_caller(dependant: Any) -> bool:
        return any(d.call is get_caller or depends_on_caller(d) for d in dependant.dependencies)

    open_routes = {r.path for r in _api_routes(app) if not depends_on_caller(r.original_route.dependant)}
    allowed = {"/api/v1/health", "/api/v1/ready"}
    unexpected = {p for p in open_routes - allowed if not p.endswith("/demo") and "/demo/" not in p}
    assert not unexpected, f"routes without authentication: {sorted(unexpected)}"
