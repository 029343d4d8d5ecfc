"""``dealix cards feed|decide|whatsapp`` on a data dir, from a fresh one to a decision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cards_support import blocked_attempt, opt_in
from typer.testing import CliRunner

from dealix.cli.cards import cards_app
from dealix.cli.main import app
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import ToolCall

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def _feed(*args: str) -> dict[str, Any]:
    result = runner.invoke(cards_app, ["feed", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_fresh_data_dir_says_how_to_start() -> None:
    result = runner.invoke(cards_app, ["feed", "--role", "ceo"])
    assert result.exit_code == 0, result.output
    assert "لا توجد بطاقات مفتوحة" in result.stdout and "dealix targeting import" in result.stdout
    assert _feed("--role", "ceo")["feed"]["items"] == []


def test_imported_leads_become_opportunity_cards_ordered_and_stable() -> None:
    build_service(get_settings(), tenant="default").import_file(SAMPLE_FILE)
    first = _feed("--role", "sales_manager")
    items = first["feed"]["items"]
    assert items and {i["card"]["type"] for i in items} == {"opportunity"}
    assert first["refreshed"]["new"] == first["feed"]["total"] >= len(items)
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    again = _feed("--role", "sales_manager")
    assert again["refreshed"]["new"] == 0
    assert [i["card"]["card_id"] for i in again["feed"]["items"]] == [i["card"]["card_id"] for i in items]
    assert _feed("--role", "support")["feed"]["items"] == []  # support does not see opportunities


def test_the_table_shows_the_cards_and_their_ids() -> None:
    blocked_attempt(build_gateway(get_settings()), tenant="default")
    result = runner.invoke(app, ["cards", "feed", "--role", "ceo", "--no-opportunities"])
    assert result.exit_code == 0, result.output
    assert "أوقفنا" in result.stdout and "card_" in result.stdout and "اطّلعت" in result.stdout  # wrapped cells


def test_decide_by_number_and_render_for_whatsapp() -> None:
    gateway = build_gateway(get_settings())
    opt_in(gateway, "c1", tenant="default")
    gateway.decide(ToolCall(tenant="default", skill="execution_governor", action="whatsapp.send",
                            args={"to": "+966501234567", "body": "نؤكد موعد الغد"}, contact_id="c1"))
    card_id = _feed("--role", "sales_manager", "--no-opportunities")["feed"]["items"][0]["card"]["card_id"]
    rendered = runner.invoke(cards_app, ["whatsapp", card_id])
    assert rendered.exit_code == 0 and "1. اعتمد" in rendered.stdout and "3. ارفض" in rendered.stdout
    refused = runner.invoke(cards_app, ["decide", card_id, "1", "--as", "support"])
    assert refused.exit_code == 1 and "role_not_allowed" in refused.stderr
    decided = runner.invoke(cards_app, ["decide", card_id, "3", "--as", "sales_manager", "--user", "noura",
                                        "--json"])
    assert decided.exit_code == 0, decided.output
    result = json.loads(decided.stdout)
    assert result["status"] == "rejected" and result["decided_by"] == "noura"
    again = runner.invoke(cards_app, ["decide", card_id, "1", "--as", "sales_manager", "--json"])
    assert json.loads(again.stdout)["already_decided"] is True
    missing = runner.invoke(cards_app, ["decide", "card_0000000000000000", "1", "--as", "ceo"])
    assert missing.exit_code == 1 and "card_not_found" in missing.stderr
