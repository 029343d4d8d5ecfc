"""Turning a tool call's JSON arguments into a typed model, with Arabic-first errors.

Every connector validates its ``args`` through one pydantic model built on :class:`ConnectorArgs`.
Unknown fields are refused rather than ignored: an agent that passes ``bcc`` to the Gmail draft
must learn that nothing honoured it, not find out later.

Validators that know a precise Arabic message (an invalid phone number, a VAT number of the
wrong shape) raise :class:`~tools.errors.ConnectorError` themselves; pydantic only wraps
``ValueError`` and ``AssertionError``, so such an error reaches the caller unchanged. Everything
else pydantic rejects is summarised here, naming the fields but never echoing their values,
which may be personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from tools.errors import ConnectorError

__all__ = ["ConnectorArgs", "parse_args"]

_REASON_AR = {
    "missing": "مطلوب ولم يُرسَل",
    "extra_forbidden": "حقل غير متوقع لهذا الإجراء",
}
_REASON_AR_DEFAULT = "قيمة غير صالحة"
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "none", "decimal"})


class ConnectorArgs(BaseModel):
    """Base of every connector's argument model: strict about unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ArgsT = TypeVar("ArgsT", bound=ConnectorArgs)


def parse_args(model: type[ArgsT], args: Mapping[str, Any]) -> ArgsT:
    """Validate ``args`` into ``model`` or raise ``ConnectorError`` (code ``arguments_invalid``)."""
    try:
        return model.model_validate(dict(args))
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        # One entry per field: a value that fits no branch of a union fails once per branch.
        reasons: dict[str, str] = {}
        for error in errors:
            reasons.setdefault(_where(error), _REASON_AR.get(error["type"], _REASON_AR_DEFAULT))
        raise ConnectorError(
            "بعض معطيات الإجراء غير صالحة، نرجو مراجعتها: "
            + "، ".join(f"{where} ({reason})" for where, reason in reasons.items()),
            "Invalid arguments: " + "; ".join(f"{_where(e)}: {e['msg']}" for e in errors),
            code="arguments_invalid",
        ) from exc


def _where(error: ErrorDetails) -> str:
    # Union branches appear in the location as type tags ("str", "list[...]"); the reader needs the path.
    parts = [str(part) for part in error["loc"]]
    return ".".join(part for part in parts if part not in _TYPE_TAGS and "[" not in part) or "args"
