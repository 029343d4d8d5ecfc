"""Logs carry no raw PII, whatever a caller passes as a log argument."""

from __future__ import annotations

import io
import json
import logging

from dealix.logging import configure_logging
from tools.pii import PiiMasker


def test_log_records_are_masked_before_they_are_written() -> None:
    handler = configure_logging(PiiMasker(b"k" * 32), level="INFO")
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("dealix.test").info("draft for %s at %s", "nora@example.sa", "+966 55 000 0101")
    line = json.loads(stream.getvalue())
    assert "nora@example.sa" not in line["message"] and "55 000 0101" not in line["message"]
    assert "[EMAIL:" in line["message"] and "[PHONE:" in line["message"]
