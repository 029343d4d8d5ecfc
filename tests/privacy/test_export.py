"""Data subject access: everything held about one contact, as JSON, recorded in the audit log."""

from __future__ import annotations

import json
import os
import stat

import pytest
from privacy_support import SARA, TENANT, World
from typer.testing import CliRunner

from dealix.privacy.service import PrivacyDesk
from dealix.settings import get_settings
from tools.audit import AuditLog
from tools.pii import PiiMasker
from tools.store import Store


def test_export_gathers_every_store_under_both_ids_of_the_person(world: World) -> None:
    export = PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").export(world.contact_id)
    assert export.found and world.autopilot_id == world.contact_id and export.also_known_as == []  # one id
    [lead] = export.targeting["leads"]
    assert lead["email"] == SARA["email"] and lead["contact_name"] == SARA["contact_name"]
    [consent] = export.gateway["consent"]
    assert consent["status"] == "opt_in" and consent["address"] == "+966551230001"
    approvals = export.gateway["approvals"]
    assert [a["approval_id"] for a in approvals] == [world.approval_id]
    # A spent approval keeps its arguments as keyed pseudonyms (the recipient was the opted-in phone);
    # the outbox below holds what left.
    assert approvals[0]["args"]["to"].startswith("[TO:") and approvals[0]["status"] == "consumed"
    [entry] = export.gateway["ledger"]
    assert entry["approval_id"] == world.approval_id and entry["status"] == "done"
    [outbox] = export.outbox
    assert outbox["exists"] and "966551230001" in outbox["text"]
    [example] = export.memory["approved_examples"]
    assert example["approval_id"] == world.approval_id and example["contact_id"] == world.autopilot_id
    assert export.threads == [world.thread_id]
    assert any(e["kind"] == "executed" for e in export.gateway["audit_events"])
    # Graph checkpoints are not a store the export reads row by row: it names the threads (above); their
    # bytes are encrypted, so a byte scan no longer finds the contact in them.
    assert "checkpoints.db" not in {r.store for r in export.also_found_in}


def test_export_is_recorded_in_the_audit_log_without_personal_data(world: World) -> None:
    PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").export(world.contact_id)
    store = Store(world.settings.sqlite_path)
    log = AuditLog(store, key=world.settings.signing_key(), masker=PiiMasker(world.settings.signing_key()))
    [event] = [e for e in log.events(tenant=TENANT, limit=1000) if e.kind == "privacy_export"]
    assert event.actor == "dpo" and event.payload["contact_id"] == world.contact_id
    assert SARA["email"] not in json.dumps(event.payload, ensure_ascii=False)
    assert log.verify().ok
    store.close()


def test_another_tenant_sees_nothing(world: World) -> None:
    export = PrivacyDesk(world.settings, tenant="other", actor="dpo").export(world.contact_id)
    assert not export.found
    assert export.targeting["leads"] == [] and export.gateway["approvals"] == [] and export.outbox == []
    assert export.memory["approved_examples"] == []


def test_cli_export_writes_a_private_file_and_exits_4_for_an_unknown_contact(world: World, monkeypatch,
                                                                             tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dealix.cli.main import app

    monkeypatch.setenv("DEALIX_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    try:
        out = tmp_path / "sara.json"
        ran = CliRunner().invoke(app, ["privacy", "export", "--contact", world.contact_id, "--tenant", TENANT,
                                       "--out", str(out)])
        assert ran.exit_code == 0, ran.output
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        assert json.loads(out.read_text(encoding="utf-8"))["targeting"]["leads"][0]["email"] == SARA["email"]
        missing = CliRunner().invoke(app, ["privacy", "export", "--contact", "ld_nobody", "--tenant", TENANT])
        assert missing.exit_code == 4
        assert json.loads(missing.stdout)["found"] is False
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "%", "ld_%", "*"])
def test_hostile_contact_ids_match_nothing(world: World, hostile: str) -> None:
    export = PrivacyDesk(world.settings, tenant=TENANT).export(hostile)
    assert not export.found and export.targeting["leads"] == []
