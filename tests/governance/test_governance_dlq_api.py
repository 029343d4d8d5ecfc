"""``/api/v1/governance/dead-letters``, ``dealix dlq`` and the console section: role-checked, tenant-scoped,
problem+json refusals in Arabic, and a retry through the API executes once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dlq_support import DRAFT_ARGS, draft_call
from fastapi.testclient import TestClient
from governance_support import OTHER, TENANT, MovingClock
from governance_support import api_headers as headers
from typer.testing import CliRunner

from api.keys import key_store_for
from dealix.cli.main import app as cli
from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from tools.errors import ConnectorError
from tools.gateway import Gateway
from tools.models import Role

BASE = "/api/v1/governance/dead-letters"
runner = CliRunner()




def fail_with_blocked_outbox(gateway: Gateway, outbox: Path, tenant: str = TENANT) -> str:
    """The outbox is not writable (a file stands where its folder should be): the draft fails with an OSError."""
    shutil.rmtree(outbox)
    outbox.write_text("not a folder")
    try:
        with pytest.raises(ConnectorError):
            gateway.invoke(draft_call(tenant=tenant))
    finally:
        outbox.unlink()
        outbox.mkdir()
    with gateway.store.read() as conn:
        row = conn.execute("SELECT letter_id FROM dead_letters WHERE tenant = ?", (tenant,)).fetchone()
    return str(row["letter_id"])


def test_list_retry_and_discard_need_a_governance_role(client: TestClient, settings: Settings, clock: MovingClock,
                                                       gateway: Gateway) -> None:
    letter_id = fail_with_blocked_outbox(gateway, settings.outbox_dir)
    assert client.get(BASE).status_code == 401
    for role in (Role.sales_manager, Role.support, Role.self_growth):
        who = headers(settings, clock, role=role)
        refused = client.get(BASE, headers=who)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "role_not_allowed" and refused.json()["message_ar"]
        assert client.post(f"{BASE}/{letter_id}/retry", headers=who).status_code == 403
        assert client.post(f"{BASE}/{letter_id}/discard", headers=who, json={"reason": "x"}).status_code == 403
    listed = client.get(BASE, headers=headers(settings, clock, role=Role.growth_manager))
    assert listed.status_code == 200
    body = listed.json()
    assert [item["letter_id"] for item in body["letters"]] == [letter_id]
    assert body["letters"][0]["status"] == "waiting" and body["letters"][0]["error_code"]
    assert DRAFT_ARGS["to"] not in listed.text and DRAFT_ARGS["body"] not in listed.text


def test_a_retry_through_the_api_is_refused_before_due_then_forced_by_the_ceo_executes_once(
        client: TestClient, settings: Settings, clock: MovingClock, gateway: Gateway) -> None:
    letter_id = fail_with_blocked_outbox(gateway, settings.outbox_dir)
    growth = headers(settings, clock, role=Role.growth_manager)
    early = client.post(f"{BASE}/{letter_id}/retry", headers=growth)
    assert early.status_code == 409 and early.json()["code"] == "dlq_not_due" and "موعد" in early.json()["message_ar"]
    not_allowed = client.post(f"{BASE}/{letter_id}/retry", headers=growth, json={"force": True})
    assert not_allowed.status_code == 403 and not_allowed.json()["code"] == "dlq_force_not_allowed"
    ceo = headers(settings, clock)
    done = client.post(f"{BASE}/{letter_id}/retry", headers=ceo, json={"force": True})
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "executed" and done.json()["letter"]["status"] == "resolved"
    again = client.post(f"{BASE}/{letter_id}/retry", headers=ceo, json={"force": True})
    assert again.json()["outcome"] == "already_executed"
    assert len(list(settings.outbox_dir.glob("gmail.draft-*"))) == 1
    resolved = client.get(BASE, headers=ceo, params={"status": "resolved"}).json()["letters"]
    assert [x["letter_id"] for x in resolved] == [letter_id]


def test_discard_needs_a_reason_and_is_final(client: TestClient, settings: Settings, clock: MovingClock,
                                             gateway: Gateway) -> None:
    letter_id = fail_with_blocked_outbox(gateway, settings.outbox_dir)
    ceo = headers(settings, clock)
    assert client.post(f"{BASE}/{letter_id}/discard", headers=ceo, json={}).status_code == 422
    blank = client.post(f"{BASE}/{letter_id}/discard", headers=ceo, json={"reason": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "dlq_reason_required"
    gone = client.post(f"{BASE}/{letter_id}/discard", headers=ceo, json={"reason": "أُرسلت يدوياً"})
    assert gone.status_code == 200 and gone.json()["status"] == "discarded"
    retry = client.post(f"{BASE}/{letter_id}/retry", headers=ceo, json={"force": True})
    assert retry.status_code == 409 and retry.json()["code"] == "dlq_discarded"
    assert list(settings.outbox_dir.glob("gmail.draft-*")) == []


def test_another_tenants_letter_is_not_found_and_not_listed(client: TestClient, settings: Settings,
                                                             clock: MovingClock, gateway: Gateway) -> None:
    letter_id = fail_with_blocked_outbox(gateway, settings.outbox_dir)
    rival = headers(settings, clock, tenant=OTHER)
    assert client.get(BASE, headers=rival).json()["letters"] == []
    for path, body in ((f"{BASE}/{letter_id}/retry", {"force": True}), (f"{BASE}/{letter_id}/discard",
                                                                         {"reason": "ليس لنا"})):
        missing = client.post(path, headers=rival, json=body)
        assert missing.status_code == 404 and missing.json()["code"] == "dead_letter_not_found"
    assert gateway.dead_letter(letter_id, TENANT).status == "waiting"


def test_the_console_shows_the_queue_with_retry_and_discard_buttons(client: TestClient, settings: Settings,
                                                                    clock: MovingClock, gateway: Gateway) -> None:
    letter_id = fail_with_blocked_outbox(gateway, settings.outbox_dir)
    key = key_store_for(settings).create(user_id="ceo@acme", tenant=TENANT, role=Role.ceo, now=clock.now).key
    assert client.post("/console/login", data={"api_key": key}, follow_redirects=False).status_code in (302, 303)
    html = client.get("/console/governance").text
    assert "data-dead-letters" in html and f'data-letter="{letter_id}"' in html
    assert "الإجراءات المتعثرة" in html and "إعادة المحاولة" in html and "/static/governance.js" in html
    assert DRAFT_ARGS["to"] not in html


# ---------------------------------------------------------------- the command line
@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_cli_list_retry_and_discard(cli_env: Settings) -> None:
    cli_env.ensure_data_dir()
    gateway = build_gateway(cli_env)  # the CLI runs on the system clock, so the data does too
    first = fail_with_blocked_outbox(gateway, cli_env.outbox_dir)
    listed = runner.invoke(cli, ["dlq", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [x["letter_id"] for x in json.loads(listed.stdout)["letters"]] == [first]
    summary = runner.invoke(cli, ["dlq", "list", "--tenant", TENANT])
    assert "الإجراءات المتعثرة: 1" in summary.stdout and first in summary.stdout
    early = runner.invoke(cli, ["dlq", "retry", first])
    assert early.exit_code == 1 and "dlq_not_due" in early.output
    assert runner.invoke(cli, ["dlq", "retry", first, "--due"]).exit_code != 0  # an id or --due, not both
    due = runner.invoke(cli, ["dlq", "retry", "--due", "--json"])
    assert due.exit_code == 0 and json.loads(due.stdout)["retried"] == 0  # not due yet: the sweep leaves it
    forced = runner.invoke(cli, ["dlq", "retry", first, "--force", "--as", "ceo", "--json"])
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["outcome"] == "executed"

    second = fail_with_blocked_outbox(gateway, cli_env.outbox_dir, tenant=OTHER)
    no_reason = runner.invoke(cli, ["dlq", "discard", second])
    assert no_reason.exit_code != 0
    discarded = runner.invoke(cli, ["dlq", "discard", second, "--reason", "أُرسلت يدوياً"])
    assert discarded.exit_code == 0 and "أُلغي" in discarded.stdout
    assert gateway.dead_letter(second, OTHER).status == "discarded"
    open_only = json.loads(runner.invoke(cli, ["dlq", "list", "--status", "open", "--json"]).stdout)["letters"]
    assert open_only == []
