"""The OpenAPI document as a contract: every status a route can answer is declared, as problem+json.

Routers declare the problems that are their own (404 for an unknown id, 409 for a decided
approval ...) with :func:`api.errors.problem_responses`. What every route shares is added here,
once, from what the app really does:

    every /api route            503 (load shedding)
    a route with parameters     422 (a malformed query, path or body, or a body that is not UTF-8 JSON)
    a route with a body         413 (api.limits: the body is over the size limit)
    an authenticated route      401 (no key, a bad key, two keys that disagree), 403 (a console
                                request without its CSRF token, a role), 429 (the key's rate limit)
                                and the security schemes (a bearer token or X-API-Key)

Every error response's content is ``application/problem+json`` with the ``Problem`` schema;
FastAPI's default ``HTTPValidationError`` (``application/json``) is never what the app sends.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from api.deps import get_caller
from api.errors import PROBLEM_MEDIA_TYPE, Problem, problem_responses

SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "An API key: `Authorization: Bearer dx_…`."},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The same key in X-API-Key."},
}
_SHARED = (422, 503)
_WITH_BODY = (413,)
_AUTHENTICATED = (401, 403, 429)
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def install(app: FastAPI) -> None:
    """Serve :func:`contract_schema` as the app's ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract_schema(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def contract_schema(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    authenticated = {(ctx.path_format, method.lower()) for ctx in iter_route_contexts(app.routes)
                     if isinstance(ctx.original_route, APIRoute) and _calls(ctx.original_route.dependant, get_caller)
                     for method in ctx.methods or ()}
    examples = problem_responses(*_SHARED, *_WITH_BODY, *_AUTHENTICATED)
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            wanted = [503]
            if operation.get("parameters") or "requestBody" in operation:
                wanted.append(422)
            if "requestBody" in operation:
                wanted += _WITH_BODY
            if (path, method) in authenticated:
                wanted += _AUTHENTICATED
                operation["security"] = [{"bearer": []}, {"apiKey": []}]
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for wanted_status in wanted:
                responses.setdefault(str(wanted_status), {"description": examples[wanted_status]["description"]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    _as_problem(response, examples.get(int(status)))
    components = schema.setdefault("components", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = components.setdefault("schemas", {})
    schemas.update(problem.pop("$defs", {}))
    schemas.setdefault("Problem", problem)
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    _drop_unused_validation_schemas(components.get("schemas", {}), schema)
    return schema


def _as_problem(response: dict[str, Any], shared: dict[str, Any] | None) -> None:
    content = response.get("content") or {}
    media = content.get(PROBLEM_MEDIA_TYPE) or {}
    example = media.get("example") or (shared or {}).get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("example")
    entry: dict[str, Any] = {"schema": _PROBLEM_REF}
    if example is not None:
        entry["example"] = example
    response["content"] = {PROBLEM_MEDIA_TYPE: entry}


def _calls(dependant: Dependant, target: Any) -> bool:
    return any(dep.call is target or _calls(dep, target) for dep in dependant.dependencies)


def _drop_unused_validation_schemas(schemas: dict[str, Any], schema: dict[str, Any]) -> None:
    """FastAPI's HTTPValidationError / ValidationError are no longer referenced: keep the document honest."""
    text = json.dumps(schema.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{name}" not in text:
            schemas.pop(name, None)


__all__ = ["SECURITY_SCHEMES", "contract_schema", "install"]
