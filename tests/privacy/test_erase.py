"""Erasure: the contact's personal data leaves every store; the audit chain still verifies."""

from __future__ import annotations

import json

import pytest
from privacy_support import KHALID, SARA, SARA_IDENTIFIERS, TENANT, World, files_holding
from qdrant_client import QdrantClient
from typer.testing import CliRunner

from dealix.privacy.service import PrivacyDesk
from dealix.settings import get_settings
from dealix.wiring import build_masker, open_store
from skills.targeting.factory import build_service
from tools.audit import AuditLog
from tools.memory import HashingEmbedder, VectorStore, memory_path, open_memory
from tools.memory.examples import ExampleMemory

pytestmark = pytest.mark.sqlite_only


def _events(world: World) -> list[tuple[int, str, str]]:
    store = open_store(world.settings)
    try:
        with store.read() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute("SELECT seq, kind, hash FROM audit_events ORDER BY seq")]
    finally:
        store.close()


def test_erase_leaves_no_byte_of_the_contact_anywhere_and_the_chain_verifies(world: World) -> None:
    assert files_holding(world.settings.data_dir, SARA_IDENTIFIERS)  # the contact is spread over the stores
    before = _events(world)

    report = PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").erase(world.contact_id, delete_threads=True)

    assert report.complete and report.audit_chain_ok and report.residual == []
    assert world.autopilot_id == world.contact_id and report.also_known_as == []  # one lead record, one id
    assert report.counts["targeting_leads"] == 1 and report.counts["consent_events"] == 1
    assert report.counts["approvals"] == 1 and report.counts["memory_examples"] == 1
    assert report.outbox_files_deleted == 1 and report.threads_deleted == [world.thread_id]
    assert not any(p.exists() for p in world.outbox)
    # Not one byte of the email, the phone (either spelling) or the name in any file, WAL included.
    assert files_holding(world.settings.data_dir, SARA_IDENTIFIERS) == {}
    # The chain was only appended to: every earlier event is exactly as it was.
    after = _events(world)
    assert after[:len(before)] == before
    assert [kind for _, kind, _ in after[len(before):]] == ["privacy_erasure"]


def test_other_contacts_are_untouched(world: World) -> None:
    PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    leads = build_service(world.settings, tenant=TENANT).repository.leads(TENANT)
    assert [lead.email for lead in leads] == [KHALID["email"]]
    assert "targeting.db" in files_holding(world.settings.data_dir, (KHALID["email"],))


def test_the_erasure_is_an_audit_event_naming_only_the_pseudonymous_id(world: World) -> None:
    report = PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").erase(world.contact_id, delete_threads=True)
    store = open_store(world.settings)
    log = AuditLog(store, key=world.settings.signing_key(), masker=build_masker(world.settings))
    [event] = [e for e in log.events(tenant=TENANT, limit=1000) if e.kind == "privacy_erasure"]
    assert event.event_id == report.audit_event and event.actor == "dpo"
    assert event.payload["contact_id"] == world.contact_id and event.payload["complete"] is True
    assert not any(v in json.dumps(event.payload, ensure_ascii=False) for v in SARA_IDENTIFIERS)
    store.close()


def test_the_lead_id_goes_on_the_do_not_contact_list(world: World) -> None:
    PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert ("lead", world.contact_id) in build_service(world.settings, tenant=TENANT).repository.do_not_contact(TENANT)


def test_kept_threads_make_the_erasure_incomplete_and_say_where(world: World) -> None:
    report = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id)
    assert not report.complete and report.audit_chain_ok
    # The kept thread's checkpoints are encrypted: no byte of the contact shows, but the thread is named.
    assert not any(r.store == "checkpoints.db" for r in report.residual)
    [threads] = [r for r in report.retained if r.what == "threads"]
    assert threads.where == [world.thread_id] and "--delete-threads" in threads.reason_ar
    again = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert again.complete and again.threads_deleted == [world.thread_id]


def test_erasing_twice_is_harmless(world: World) -> None:
    PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    second = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert second.complete and second.audit_chain_ok
    assert second.counts["targeting_leads"] == 0 and second.outbox_files_deleted == 0


def test_another_tenants_erasure_touches_nothing_here(world: World) -> None:
    report = PrivacyDesk(world.settings, tenant="other").erase(world.contact_id, delete_threads=True)
    assert report.counts.get("targeting_leads", 0) == 0 and report.threads_deleted == []
    assert PrivacyDesk(world.settings, tenant=TENANT).export(world.contact_id).targeting["leads"]
    assert all(p.exists() for p in world.outbox)


def test_an_outbox_path_outside_the_outbox_is_never_deleted(world: World) -> None:
    victim = world.settings.data_dir / "keep.txt"
    victim.write_text("not an outbox file")
    store = open_store(world.settings)
    with store.transaction() as conn:
        conn.execute("UPDATE side_effects SET result = json_set(result, '$.outbox_path', ?) WHERE contact_id = ?",
                     (str(world.settings.outbox_dir / ".." / "keep.txt"), world.autopilot_id))
    store.close()
    report = PrivacyDesk(world.settings, tenant=TENANT).erase(world.contact_id, delete_threads=True)
    assert victim.exists() and report.outbox_files_deleted == 0


def test_memory_that_cannot_be_opened_is_reported_not_skipped_silently(world: World) -> None:
    holder = QdrantClient(path=str(memory_path(world.settings)))
    try:
        locked = VectorStore(HashingEmbedder(), path=memory_path(world.settings), lock_wait_seconds=0.1)
        memory = open_memory(world.settings, masker=build_masker(world.settings), store=locked)
        report = PrivacyDesk(world.settings, tenant=TENANT, memory=memory).erase(world.contact_id,
                                                                              delete_threads=True)
    finally:
        holder.close()
    assert not report.complete and "ذاكرة المتجهات" in report.message_ar
    assert ExampleMemory(VectorStore(HashingEmbedder(), path=memory_path(world.settings))).for_contact(
        TENANT, world.autopilot_id)  # still there: the report is honest about it


def test_cli_erase_asks_first_and_exits_by_outcome(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dealix.cli.main import app

    monkeypatch.setenv("DEALIX_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        refused = runner.invoke(app, ["privacy", "erase", "--contact", world.contact_id, "--tenant", TENANT],
                                input="n\n")
        assert refused.exit_code == 1
        assert build_service(world.settings, tenant=TENANT).repository.contact_records(TENANT, world.contact_id).leads
        kept = runner.invoke(app, ["privacy", "erase", "--contact", world.contact_id, "--tenant", TENANT, "--yes"])
        assert kept.exit_code == 3, kept.output  # threads kept: incomplete, and it says so
        done = runner.invoke(app, ["privacy", "erase", "--contact", world.contact_id, "--tenant", TENANT, "--yes",
                                   "--delete-threads", "--json"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["complete"] is True
        verify = runner.invoke(app, ["audit", "verify"])
        assert verify.exit_code == 0, verify.output
    finally:
        get_settings.cache_clear()


def test_the_audit_log_never_held_the_drafts_text(world: World) -> None:
    store = open_store(world.settings)
    with store.read() as conn:
        dump = "\n".join(r[0] for r in conn.execute("SELECT payload FROM audit_events"))
    store.close()
    assert "[TEXT:" in dump
    for value in (*SARA_IDENTIFIERS, SARA["company_name"], "خالد العتيبي"):
        assert value not in dump




def test_hostile_ids_erase_nothing(world: World) -> None:
    for hostile in ("%", "' OR '1'='1", "ld_%", ""):
        report = PrivacyDesk(world.settings, tenant=TENANT).erase(hostile, delete_threads=True)
        assert report.counts.get("targeting_leads", 0) == 0 and report.threads_deleted == []
    assert files_holding(world.settings.data_dir, (SARA["email"],))
    assert PrivacyDesk(world.settings, tenant=TENANT).export(world.contact_id).targeting["leads"]
