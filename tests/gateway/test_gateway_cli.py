"""The gateway's command line, run in-process against a temporary data dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from tools.models import ToolCall
from tools.policy import load_policy


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_policy_matrix_lists_every_action_with_its_mode_and_reason(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "matrix", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["action"]: row for row in data["actions"]}
    assert set(load_policy().actions) | {"*"} == set(rows)
    assert rows["gmail.send"]["mode"] == "blocked"
    assert rows["*"]["mode"] == "approval_required"
    assert data["hash"] == load_policy().hash


@pytest.mark.parametrize(("action", "mode"), [
    ("linkedin.scrape", "blocked"), ("gmail.draft", "draft_only"), ("sheets.export", "approval_required"),
    ("calendar.insert", "approval_required"), ("fax.send", "approval_required"), ("moyasar.charge", "blocked"),
])
def test_policy_check_gives_the_policy_default_and_records_it(data_dir: Path, action: str, mode: str) -> None:
    result = CliRunner().invoke(app, ["policy", "check", action, "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["mode"] == mode
    verify = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert json.loads(verify.stdout)["events_checked"] == 1


def test_policy_check_of_cold_whatsapp_is_blocked_in_arabic(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "check", "whatsapp.send", "--contact", "c-404", "--role", "ceo"])
    assert result.exit_code == 0
    assert "blocked" in result.stdout and "واتساب" in result.stdout


def test_audit_verify_without_a_database_says_so(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 2


def test_the_demo_blocks_drafts_and_approves_with_a_verified_chain(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "سليم" in result.stdout
    names = sorted(p.name.split("-")[0] for p in (data_dir / "outbox").iterdir())
    assert names == ["calendar.draft", "gmail.draft", "moyasar.invoice_draft", "sheets.export"]
    csv_text = next((data_dir / "outbox").glob("sheets.export-*.csv")).read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text


def _count(table: str) -> int:
    from dealix.wiring import open_store

    with open_store(get_settings()).read() as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_policy_check_is_a_dry_run_that_leaves_nothing_pending(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "check", "crm.update", "--contact", "c-1", "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["mode"] == "approval_required" and decision["approval_id"] is None
    gateway = build_gateway(get_settings())
    assert gateway.pending_approvals("default") == []
    events = gateway.audit.events(tenant="default")
    assert [e.kind for e in events] == ["decision_dry_run"]
    assert events[0].payload["reason_code"] == decision["reason_code"]
    assert _count("approvals") == 0 and _count("rate_counters") == 0 and _count("revenue_work_units") == 0


def test_a_policy_check_does_not_turn_a_later_approval_into_a_contradiction(data_dir: Path) -> None:
    assert CliRunner().invoke(app, ["policy", "check", "crm.update", "--contact", "lead_5"]).exit_code == 0
    gateway = build_gateway(get_settings())
    asked = gateway.invoke(ToolCall(tenant="default", skill="execution_governor", action="crm.update",
                                    args={"record": "deal-9", "stage": "proposal"}, contact_id="lead_5",
                                    thread_id="autopilot-1", tool_call_id="1"))
    assert asked.approval is not None
    found = CliRunner().invoke(app, ["governance", "contradictions", "--tenant", "default", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["contradictions"] == []


def test_policy_check_of_a_draft_to_an_address_of_no_lead_says_so_without_drafting(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "check", "gmail.draft", "--to", "someone@example.sa", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mode"] == "draft_only"  # no lead has the address: judged as before
    assert not (data_dir / "outbox").exists() or not any((data_dir / "outbox").iterdir())
