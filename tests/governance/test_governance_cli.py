"""``dealix governance ...`` on a data dir: JSON and the Arabic summary, scoped by --tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from governance_support import OTHER, TENANT, request_approval
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from tools.gateway import Gateway

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def live_gateway() -> Gateway:
    settings = get_settings()
    settings.ensure_data_dir()
    return build_gateway(settings)  # the CLI runs on the system clock, so the data does too


def run(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["governance", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_contradictions_by_tenant() -> None:
    gateway = live_gateway()
    request_approval(gateway, contact_id="lead_5", thread_id="t1", call_id="a")
    request_approval(gateway, contact_id="lead_5", thread_id="t2", call_id="b")
    assert run("contradictions", "--tenant", TENANT)["by_kind"] == {"lead_in_two_threads": 1}
    assert run("contradictions", "--tenant", OTHER)["contradictions"] == []
    text = runner.invoke(app, ["governance", "contradictions", "--tenant", TENANT]).stdout
    assert "محادثتين" in text and "lead_5" in text


def test_compliance_and_the_executive_room() -> None:
    compliance = run("compliance")
    assert {c["framework"] for c in compliance["controls"]} == {"pdpl", "zatca", "sdaia", "nca"}
    room = run("executive-room", "--tenant", TENANT)
    assert room["approvals_waiting"] == 0 and room["compliance"]["gap"] == compliance["gaps"]
    summary = runner.invoke(app, ["governance", "executive-room"]).stdout
    assert "غرفة القيادة" in summary


def test_approvals_sla_lists_and_sweeps() -> None:
    approval = request_approval(live_gateway())
    listed = run("approvals-sla", "--tenant", TENANT)
    assert [p["approval_id"] for p in listed["pending"]] == [approval.approval_id] and listed["sweep"] is None
    swept = run("approvals-sla", "--tenant", TENANT, "--sweep")
    assert swept["sweep"]["expired"] == []  # just requested: neither expired nor (whatever the hour) overdue
    assert swept["sweep"]["escalated"] == [] and swept["pending"][0]["breached"] is False
    assert "موافقات معلّقة: 1" in runner.invoke(app, ["governance", "approvals-sla", "--tenant", TENANT]).stdout


def test_connectors_never_print_a_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_LANGFUSE_PUBLIC_KEY", "pk-SHOULD-NOT-APPEAR")
    data = run("connectors")
    assert any(c["name"] == "langfuse" for c in data["connectors"])
    text = runner.invoke(app, ["governance", "connectors"]).stdout
    assert "pk-SHOULD-NOT-APPEAR" not in text and "pk-SHOULD-NOT-APPEAR" not in json.dumps(data)
    assert "langfuse" in text
