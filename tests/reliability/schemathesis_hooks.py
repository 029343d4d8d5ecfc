"""schemathesis hooks of the contract run (tests/reliability/test_reliability_contract.py).

schemathesis is held at 4.15: the newest whose jsonschema-rs floor (0.44.1) meets langgraph-api's cap (<0.45),
and `langgraph dev` shares the dev extra with it. A few kinds of case that 4.15 builds are not what it labels
them (4.32 ran this contract with no hooks and 0 failures). These hooks drop or correct exactly those cases;
every check still runs on every other case.

- A "valid" body that breaks the body schema: 4.15's coverage phase fills properties one by one and skips a
  top-level ``anyOf`` beside them (``{"decision": "edit", "args": null}`` where the schema says an edit
  needs ``args``). A case labelled positive whose body fails its own schema is dropped.
- ``null`` for an optional query parameter: a query string cannot say null, 4.15 sends the text ``null``
  (``?status=null``); 4.32 leaves the parameter out, which is what "no value" means there. Done here too.
- A "wrong type" in the query that is the right type on the wire: 4.15 sends ``?verify=0`` (or ``?limit=5`` as
  the text "5") as a schema violation; the API, like most frameworks, reads 0/1, yes/no, on/off as booleans
  and digits as numbers, and 4.32 reads the wire the same way. A negative case whose query, read as the
  server reads it and without names the operation does not declare (the API ignores those), meets its
  schema is dropped.
- An unknown query, header or cookie name (``x-schemathesis-unknown-property``) sent as a schema violation:
  OpenAPI cannot forbid extra parameters and the API ignores them, as schemathesis' own check allows when it
  can tell; 4.15 cannot tell when a boolean or number parameter sits beside it. Such cases are dropped.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

UNKNOWN_PROPERTY = "x-schemathesis-unknown-property"


def _positive(case: Any, location: ParameterLocation) -> bool:
    meta = case.meta
    if meta is None:
        return False
    component = meta.components.get(location)
    return component is not None and not component.mode.is_negative


def _body_breaks_its_schema(case: Any) -> bool:
    if not _positive(case, ParameterLocation.BODY) or not isinstance(case.body, dict):
        return False
    validator_cls = case.operation.schema.adapter.jsonschema_validator_cls
    for alternative in case.operation.body:
        if alternative.media_type == case.media_type:
            return not validator_cls(alternative.optimized_schema).is_valid(case.body)
    return False


def _has_unknown_parameter(case: Any) -> bool:
    return any(UNKNOWN_PROPERTY in (getattr(case, name) or {}) for name in ("query", "headers", "cookies"))


# what pydantic (so FastAPI) reads as a boolean in a query string
BOOLEAN_SPELLINGS = {"0": False, "off": False, "f": False, "false": False, "n": False, "no": False,
                     "1": True, "on": True, "t": True, "true": True, "y": True, "yes": True}


def _types(definition: dict[str, Any]) -> set[str]:
    schema = definition.get("schema") or {}
    types: set[str] = set()
    for option in schema.get("anyOf") or schema.get("oneOf") or [schema]:
        kind = option.get("type") if isinstance(option, dict) else None
        types.update([kind] if isinstance(kind, str) else kind or [])
    return types


def _query_is_valid_as_read(case: Any) -> bool:
    meta = case.meta
    if meta is None or not case.query or _positive(case, ParameterLocation.QUERY):
        return False
    if any(component.mode.is_negative for location, component in meta.components.items()
           if location != ParameterLocation.QUERY):
        return False
    types = {parameter.name: _types(parameter.definition) for parameter in case.operation.query}
    read = {name: _read(value, types[name]) for name, value in case.query.items() if name in types}
    return bool(case.operation.query.get_strict_validator().is_valid(read))


def _read(value: Any, types: set[str]) -> Any:
    """A query value as the server reads its text: ``"5"`` for an integer is 5, ``0`` for a boolean is false."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if isinstance(value, dict | list) or not text.isascii() or "_" in text or text != text.strip():
        return value
    if "integer" in types and text.lstrip("-").isdigit():
        return int(text)
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in types and text.lower() in BOOLEAN_SPELLINGS:
        return BOOLEAN_SPELLINGS[text.lower()]
    return value


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    return not (_body_breaks_its_schema(case) or _has_unknown_parameter(case) or _query_is_valid_as_read(case))


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if case.query and _positive(case, ParameterLocation.QUERY):
        nullable = {parameter.name for parameter in case.operation.query
                    if not parameter.is_required and "null" in _types(parameter.definition)}
        for name in [name for name, value in case.query.items() if name in nullable and value in (None, "null")]:
            del case.query[name]
    return case
