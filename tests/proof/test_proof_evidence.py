"""Evidence packs: what goes in for each scope, no raw personal data, and every kind of change after
export detected by the verifier."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from proof_support import KEY, OTHER, TENANT, Rig, seed_week

from skills.proof.evidence import MANIFEST, EvidenceScope, Manifest, export_evidence, sign_manifest, write_evidence
from skills.proof.evidence_verify import verify_evidence
from skills.proof.period import Period
from tools.models import Channel

SUNDAY = Period(start=date(2026, 11, 22), end=date(2026, 11, 22))
FILES = ["README.txt", "scope.json", "audit_events.jsonl", "revenue_work_units.jsonl", "ledger_entries.jsonl",
         "approvals.jsonl", "consent.jsonl", "chain.json", "compliance.json"]
RAW_PII = ["@example.sa", "0550000505", "966550000505", "0550000909", "966550000909"]


@pytest.fixture
def seeded(rig: Rig) -> Rig:
    rig.consent("c-9", "opt_in", Channel.whatsapp, address="0550000909")
    seed_week(rig)
    return rig


def _export(rig: Rig, **scope: Any) -> tuple[bytes, Manifest]:
    return export_evidence(rig.gateway, EvidenceScope(tenant=TENANT, **scope), key=KEY.encode(), now=rig.clock(),
                           settings=rig.settings)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def _lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def _check(tmp_path: Path, data: bytes, key: bytes = KEY.encode()) -> tuple[bool, list[tuple[str, str | None]]]:
    path = write_evidence(data, tmp_path / "pack.zip")
    report = verify_evidence(path, key=key)
    for finding in report.findings:
        assert finding.message_ar and finding.message_en
    return report.ok, [(f.code, f.name) for f in report.findings]


def _resign(members: dict[str, bytes], key: bytes = KEY.encode()) -> bytes:
    """What an insider holding the key could do: rewrite files, hashes and signature consistently."""
    manifest = Manifest.model_validate_json(members[MANIFEST])
    files = {n: {"sha256": hashlib.sha256(c).hexdigest(), "bytes": len(c)} for n, c in members.items()
             if n != MANIFEST}
    manifest = sign_manifest(Manifest.model_validate({**manifest.model_dump(mode="json"), "files": files}), key)
    members = {**members, MANIFEST: manifest.model_dump_json().encode()}
    return _zip(list(members.items()))


# --------------------------------------------------------------------------------- contents
def test_an_untouched_pack_verifies(seeded: Rig, tmp_path: Path) -> None:
    data, manifest = _export(seeded, period=SUNDAY)
    assert sorted(_members(data)) == sorted([*FILES, MANIFEST])
    assert manifest.chain.ok and manifest.chain.head_seq is not None
    path = write_evidence(data, tmp_path / "e.zip")
    report = verify_evidence(path, key=KEY.encode())
    assert report.ok and report.findings == [] and report.files_checked == len(FILES)
    assert report.tenant == TENANT


def test_a_period_pack_holds_the_tenants_events_of_those_days_only(seeded: Rig) -> None:
    data, manifest = _export(seeded, period=SUNDAY)
    members = _members(data)
    events = _lines(members["audit_events.jsonl"])
    assert events and {e["tenant"] for e in events} == {TENANT}
    assert all(e["ts"].startswith("2026-11-22") for e in events)  # Thursday's work is not in it
    units = _lines(members["revenue_work_units.jsonl"])
    assert {u["audit_event"] for u in units} <= {e["event_id"] for e in events}
    assert manifest.counts["rwu:opportunity_created"] == 3 and manifest.counts["rwu:risk_blocked"] == 3
    assert all(json.loads(line)["contact_id"] != "o-1" for line in members["ledger_entries.jsonl"].splitlines())


def test_a_contact_pack_follows_its_approvals_and_executions(seeded: Rig) -> None:
    members = _members(_export(seeded, contact_id="c-4")[0])
    events = _lines(members["audit_events.jsonl"])
    kinds = [(e["kind"], e["action"]) for e in events]
    assert kinds == [("decision", "crm.update"), ("approval_approved", "crm.update"), ("executed", "crm.update")]
    assert {u["type"] for u in _lines(members["revenue_work_units.jsonl"])} == {"approval_collected",
                                                                                "followup_created"}
    assert [a["status"] for a in _lines(members["approvals.jsonl"])] == ["consumed"]
    assert len(_lines(members["ledger_entries.jsonl"])) == 1
    for e in events:
        assert json.loads(e["payload_json"]).get("contact_id") in (None, "c-4")


def test_a_deal_pack_finds_the_deal_by_thread_or_by_its_id_in_the_arguments(seeded: Rig) -> None:
    by_thread = _lines(_members(_export(seeded, deal_id="deal-2")[0])["audit_events.jsonl"])
    assert [e["action"] for e in by_thread] == ["deal.risk_flag"]
    by_record = _lines(_members(_export(seeded, deal_id="deal-4")[0])["audit_events.jsonl"])
    assert [e["kind"] for e in by_record] == ["decision", "approval_approved", "executed"]
    nothing = _members(_export(seeded, deal_id="deal-o")[0])  # another tenant's deal
    assert nothing["audit_events.jsonl"] == b""


def test_no_raw_personal_data_leaves_in_any_scope(seeded: Rig) -> None:
    for scope in ({"period": SUNDAY}, {"contact_id": "c-9"}, {"contact_id": "c-2"}, {"deal_id": "deal-4"}):
        for name, content in _members(_export(seeded, **scope)[0]).items():
            text = content.decode()
            for raw in RAW_PII:
                assert raw not in text, (scope, name, raw)
    consent = _lines(_members(_export(seeded, contact_id="c-9")[0])["consent.jsonl"])
    assert [c["status"] for c in consent] == ["opt_in"] and "address" not in consent[0]


def test_exporting_is_itself_audited_and_leaves_the_chain_intact(seeded: Rig) -> None:
    _export(seeded, contact_id="c-2")
    last = seeded.gateway.audit.events(tenant=TENANT, limit=1000)[-1]
    assert last.kind == "evidence_exported" and last.payload["scope"]["kind"] == "contact"
    assert seeded.gateway.audit.verify().ok


def test_the_same_scope_exports_the_same_records(seeded: Rig) -> None:
    first, second = _members(_export(seeded, contact_id="c-2")[0]), _members(_export(seeded, contact_id="c-2")[0])
    # Only the chain summary moves on: the first export's own audit event is now in the chain (and the live
    # compliance check scanned one more audit payload).
    moving = {"chain.json", "compliance.json", MANIFEST}
    assert {n: c for n, c in first.items() if n not in moving} == {n: c for n, c in second.items() if n not in moving}
    assert json.loads(second["chain.json"])["events_checked"] == json.loads(first["chain.json"])["events_checked"] + 1


def test_other_tenants_never_appear(seeded: Rig) -> None:
    data, _ = export_evidence(seeded.gateway, EvidenceScope(tenant=OTHER, period=SUNDAY), key=KEY.encode(),
                              now=seeded.clock(), settings=seeded.settings)
    for name in ("audit_events.jsonl", "approvals.jsonl", "ledger_entries.jsonl"):
        for record in _lines(_members(data)[name]):
            assert record.get("tenant", OTHER) == OTHER
            assert record.get("contact_id") in (None, "o-1")


# --------------------------------------------------------------------------------- tampering
@pytest.fixture
def pack(seeded: Rig) -> dict[str, bytes]:
    return _members(_export(seeded, period=SUNDAY)[0])


@pytest.mark.parametrize("name", FILES)
def test_a_modified_file_is_detected(pack: dict[str, bytes], tmp_path: Path, name: str) -> None:
    changed = {**pack, name: pack[name] + b" "}
    ok, findings = _check(tmp_path, _zip(list(changed.items())))
    assert not ok and ("file_modified", name) in findings


@pytest.mark.parametrize("name", FILES)
def test_a_removed_file_is_detected(pack: dict[str, bytes], tmp_path: Path, name: str) -> None:
    ok, findings = _check(tmp_path, _zip([(n, c) for n, c in pack.items() if n != name]))
    assert not ok and ("file_missing", name) in findings


def test_an_added_file_is_detected(pack: dict[str, bytes], tmp_path: Path) -> None:
    ok, findings = _check(tmp_path, _zip([*pack.items(), ("../notes.txt", b"added later")]))
    assert not ok and findings == [("file_added", "../notes.txt")]


def test_a_duplicated_member_is_detected(pack: dict[str, bytes], tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we add on purpose
        data = _zip([*pack.items(), ("audit_events.jsonl", b"{}\n")])
    ok, findings = _check(tmp_path, data)
    assert not ok and ("file_duplicated", "audit_events.jsonl") in findings


@pytest.mark.parametrize("edit", [
    lambda m: {**m, "tenant": "someone-else"},
    lambda m: {**m, "counts": {**m["counts"], "audit_events": 1}},
    lambda m: {**m, "chain": {**m["chain"], "ok": not m["chain"]["ok"]}},
    lambda m: {**m, "signature": "0" * 64},
], ids=["tenant", "counts", "chain", "signature"])
def test_an_edited_manifest_is_detected(pack: dict[str, bytes], tmp_path: Path,
                                        edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    manifest = edit(json.loads(pack[MANIFEST]))
    ok, findings = _check(tmp_path, _zip(list({**pack, MANIFEST: json.dumps(manifest).encode()}.items())))
    assert not ok and findings == [("signature_invalid", None)]


def test_a_manifest_rewritten_to_match_a_changed_file_is_detected(pack: dict[str, bytes], tmp_path: Path) -> None:
    changed = pack["revenue_work_units.jsonl"].replace(b"risk_blocked", b"draft_created")
    manifest = json.loads(pack[MANIFEST])
    manifest["files"]["revenue_work_units.jsonl"] = {"sha256": hashlib.sha256(changed).hexdigest(),
                                                     "bytes": len(changed)}
    members = {**pack, "revenue_work_units.jsonl": changed, MANIFEST: json.dumps(manifest).encode()}
    ok, findings = _check(tmp_path, _zip(list(members.items())))
    assert not ok and findings == [("signature_invalid", None)]


def test_a_pack_checked_with_another_deployments_key_fails(pack: dict[str, bytes], tmp_path: Path) -> None:
    ok, findings = _check(tmp_path, _zip(list(pack.items())), key=b"another-deployment-key-000000000")
    assert not ok and findings == [("signature_invalid", None)]


def test_an_insider_with_the_key_still_cannot_edit_an_event_unseen(pack: dict[str, bytes], tmp_path: Path) -> None:
    events = pack["audit_events.jsonl"].decode().splitlines()
    record = json.loads(events[0])
    record["actor"] = "someone-else"
    members = {**pack, "audit_events.jsonl": ("\n".join([json.dumps(record), *events[1:]]) + "\n").encode()}
    ok, findings = _check(tmp_path, _resign(members))
    assert not ok and findings == [("event_hash_mismatch", record["event_id"])]


def test_a_unit_whose_event_was_dropped_is_detected(pack: dict[str, bytes], tmp_path: Path) -> None:
    unit = _lines(pack["revenue_work_units.jsonl"])[0]
    kept = [line for line in pack["audit_events.jsonl"].decode().splitlines()
            if json.loads(line)["event_id"] != unit["audit_event"]]
    ok, findings = _check(tmp_path, _resign({**pack, "audit_events.jsonl": ("\n".join(kept) + "\n").encode()}))
    assert not ok and ("orphan_unit", unit["rwu_id"]) in findings


@pytest.mark.parametrize("manifest, code", [(None, "manifest_missing"), (b"not json", "manifest_invalid"),
                                            (b'{"format": "other/9"}', "manifest_invalid")])
def test_a_missing_or_unreadable_manifest_is_detected(pack: dict[str, bytes], tmp_path: Path,
                                                      manifest: bytes | None, code: str) -> None:
    members = [(n, c) for n, c in pack.items() if n != MANIFEST]
    if manifest is not None:
        members.append((MANIFEST, manifest))
    ok, findings = _check(tmp_path, _zip(members))
    assert not ok and (code, None) in findings


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 truncated", b"%PDF-1.7 not a zip"], ids=["empty", "cut", "pdf"])
def test_something_that_is_not_a_zip_is_refused(tmp_path: Path, data: bytes) -> None:
    ok, findings = _check(tmp_path, data)
    assert not ok and [code for code, _ in findings] == ["not_a_zip"]


def test_a_truncated_pack_is_refused(pack: dict[str, bytes], tmp_path: Path) -> None:
    data = _zip(list(pack.items()))
    ok, findings = _check(tmp_path, data[: len(data) // 2])
    assert not ok and findings
