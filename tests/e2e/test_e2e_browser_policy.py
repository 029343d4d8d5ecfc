"""The browser test's policy: skip locally (with the reason) without chromium; fail in CI instead."""

from __future__ import annotations

import pytest
from e2e_support import chromium_or_skip


def test_without_chromium_the_test_skips_locally_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium at /nonexistent/chromium"):
        chromium_or_skip()


def test_without_chromium_the_test_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        chromium_or_skip()
