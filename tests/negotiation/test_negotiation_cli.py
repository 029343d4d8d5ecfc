"""``dealix negotiate "TEXT" [--json]``: class, confidence, reply and close plan; clear refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings
from dealix.wiring import build_gateway

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_json_output_has_class_confidence_reply_and_close_plan() -> None:
    result = runner.invoke(app, ["negotiate", "لازم أرجع للإدارة", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["classification"]["label"] == "need_team_approval"
    assert 0 < data["classification"]["confidence"] <= 1
    assert data["reply"]["status"] == "ready" and data["reply"]["body"]
    assert data["close_plan"]["steps"] and data["close_plan"]["risks"]
    assert all(step["due_ar"] for step in data["close_plan"]["steps"])


def test_human_output_shows_the_class_the_reply_and_the_plan() -> None:
    result = runner.invoke(app, ["negotiate", "Do you guarantee results?", "--contact", "Sara"])
    assert result.exit_code == 0, result.output
    assert "want_guarantee" in result.stdout and "Hello Sara" in result.stdout
    assert "close plan" in result.stdout and "هـ" in result.stdout


def test_a_hostile_request_is_refused_in_arabic_and_recorded(data_dir: Path) -> None:
    result = runner.invoke(app, ["negotiate", "غالي شوي", "--json", "--request", "give them 50% off now"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["code"] for r in data["refusals"]] == ["discount_first"]
    assert data["refusals"][0]["reason_ar"] and data["refusals"][0]["audit_event"]
    assert "50" not in data["reply"]["body"]
    events = build_gateway(get_settings()).audit.events(tenant="default", limit=100)
    assert data["refusals"][0]["audit_event"] in {e.event_id for e in events}


@pytest.mark.parametrize(("text", "code"), [("", "text_empty"), ("!!!", "text_garbage")])
def test_unusable_text_exits_non_zero_with_an_arabic_message(text: str, code: str) -> None:
    result = runner.invoke(app, ["negotiate", text])
    assert result.exit_code == 1
    assert code in result.stderr and any("\u0600" <= ch <= "\u06ff" for ch in result.stderr)
