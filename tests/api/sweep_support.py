"""Machinery of the tenant sweep: valid bodies from the OpenAPI schemas, ids found in responses."""

from __future__ import annotations

import re
from typing import Any

_PARAM = re.compile(r"\{([^}]+)\}")


def path_params(path: str) -> list[str]:
    return _PARAM.findall(path)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def example_body(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A valid instance: the schema's first example, else a minimal one built from its required fields."""
    schema = _resolve(schema, spec)
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, spec).get("type") != "null"] or schema[key]
            return example_body(options[0], spec)
    if "allOf" in schema:
        return example_body(schema["allOf"][0], spec)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example_body(props[name], spec) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return [example_body(schema.get("items", {}), spec) for _ in range(max(1, schema.get("minItems", 0)))]
    if kind == "integer":
        return max(1, int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)))
    if kind == "number":
        return float(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2026-11-22T07:00:00Z"
        if schema.get("format") == "date":
            return "2026-11-22"
        if schema.get("format") == "email":
            return "someone@example.sa"
        return "x" * max(1, schema.get("minLength", 1))
    return None


def request_body(spec: dict[str, Any], path: str, method: str) -> tuple[str, Any] | None:
    """(content type, body) for an operation, or None when it takes no body."""
    found = request_bodies(spec, path, method)
    return found[0] if found else None


def request_bodies(spec: dict[str, Any], path: str, method: str) -> list[tuple[str, Any]]:
    """Bodies to try, best first: the documented example, the minimal instance, then the minimal
    instance plus one optional field at a time (for models that need one of several fields)."""
    operation = spec["paths"][path][method.lower()]
    body = operation.get("requestBody")
    if body is None:
        return []
    content_type, media = next(iter(body["content"].items()))
    out: list[Any] = []
    if media.get("example") is not None:
        out.append(media["example"])
    schema = _resolve(media.get("schema", {}), spec)
    out.append(example_body(schema, spec))
    minimal = out[-1]
    if isinstance(minimal, dict):
        for name, prop in schema.get("properties", {}).items():
            if name not in minimal:
                out.append({**minimal, name: example_body(prop, spec)})
    return [(content_type, b) for b in out]


def made_up_id(spec: dict[str, Any], path: str, method: str, name: str) -> str:
    """An id no tenant has, shaped as the path parameter's schema demands (its pattern, if any)."""
    operation = spec["paths"][path][method.lower()]
    schema = next((p.get("schema", {}) for p in operation.get("parameters", [])
                   if p.get("in") == "path" and p.get("name") == name), {})
    pattern = _resolve(schema, spec).get("pattern")
    if not pattern:
        return f"beta-{name}-0"
    import warnings

    from hypothesis import strategies
    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return str(strategies.from_regex(pattern, fullmatch=True).filter(lambda s: "/" not in s).example())


def find_values(data: Any, key: str) -> list[str]:
    """Every string value stored under ``key`` anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key and isinstance(v, str | int):
                found.append(str(v))
            found += find_values(v, key)
    elif isinstance(data, list):
        for item in data:
            found += find_values(item, key)
    return found
