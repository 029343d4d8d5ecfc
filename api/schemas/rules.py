"""Small value rules the request schemas share, each stated so the OpenAPI document shows it too."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

# Some character that is not white space, in the sense of both Python's str.strip() and JSON Schema
# regexes (Python also strips the information separators U+001C..U+001F).
NOT_BLANK = r"[^\s\x1c-\x1f]"


def _whole(value: Any) -> Any:
    """A JSON number that is a whole number (3 or 3.0, as JSON Schema's ``integer``); never a bool or a string."""
    if isinstance(value, bool | str):
        raise ValueError("a whole number is expected")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]

__all__ = ["NOT_BLANK", "WholeNumber"]
