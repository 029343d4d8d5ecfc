"""Structured logging with PII masked before any handler sees a record.

``configure_logging`` is called by entry points (the CLI, the API server), never at import.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tools.pii import PiiMasker


class PiiMaskingFilter(logging.Filter):
    """Renders the message with its arguments, masks it, and drops the arguments."""

    def __init__(self, masker: PiiMasker) -> None:
        super().__init__()
        self._masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._masker.mask_text(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": self.formatTime(record), "level": record.levelname,
                                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(masker: PiiMasker, level: str = "WARNING") -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PiiMaskingFilter(masker))
    root = logging.getLogger("dealix")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    return handler
