"""Checks an evidence pack: any file modified, added, removed or duplicated, or a manifest edited
after export, is a finding with an Arabic and an English message.

The pack is read in memory with size limits (it is never extracted to disk, so hostile member
names go nowhere). Checks, in order: a readable zip; a manifest of the known format; its HMAC
signature under the deployment key; every listed file present once with its SHA-256; no unlisted
file; then each audit event against its own hash and each work unit against the events in the pack.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skills.proof.catalog import load_texts
from skills.proof.evidence import MANIFEST, Manifest
from tools.audit import event_hash
from tools.canonical import verify_signature

MAX_PACK_BYTES = 512 * 1024 * 1024
MAX_MEMBER_BYTES = 256 * 1024 * 1024


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str | None = None
    message_ar: str
    message_en: str


class EvidenceReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    files_checked: int = 0
    findings: list[Finding] = Field(default_factory=list)
    tenant: str | None = None
    scope: dict[str, str | None] | None = None
    summary_ar: str
    summary_en: str


class _TooLarge(Exception):
    pass


def _finding(code: str, name: str | None = None) -> Finding:
    text = load_texts().evidence.problems[code]
    return Finding(code=code, name=name, message_ar=text.ar.format(name=name), message_en=text.en.format(name=name))


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    chunks, total = [], 0
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            total += len(chunk)
            if total > MAX_MEMBER_BYTES:
                raise _TooLarge(info.filename)
            chunks.append(chunk)
    return b"".join(chunks)


def _report(findings: list[Finding], files_checked: int = 0, manifest: Manifest | None = None) -> EvidenceReport:
    texts = load_texts().evidence
    ok = not findings
    return EvidenceReport(ok=ok, files_checked=files_checked, findings=findings,
                          tenant=manifest.tenant if manifest else None, scope=manifest.scope if manifest else None,
                          summary_ar=texts.intact_ar if ok else texts.tampered_ar,
                          summary_en=texts.intact_en if ok else texts.tampered_en)


def verify_evidence(path: Path, *, key: bytes) -> EvidenceReport:
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            return _report([_finding("too_large", path.name)])
        with zipfile.ZipFile(path) as archive:
            return _verify(archive, key)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return _report([_finding("not_a_zip", path.name)])
    except _TooLarge as exc:
        return _report([_finding("too_large", str(exc))])


def _verify(archive: zipfile.ZipFile, key: bytes) -> EvidenceReport:
    infos = archive.infolist()
    names = Counter(info.filename for info in infos)
    findings = [_finding("file_duplicated", name) for name, n in sorted(names.items()) if n > 1]
    if MANIFEST not in names:
        return _report([*findings, _finding("manifest_missing")])
    members = {info.filename: info for info in infos}
    try:
        manifest = Manifest.model_validate_json(_read(archive, members[MANIFEST]))
    except (ValidationError, ValueError):
        return _report([*findings, _finding("manifest_invalid")])
    if not verify_signature(key, manifest.signing_text(), manifest.signature):
        findings.append(_finding("signature_invalid"))
    contents: dict[str, bytes] = {}
    for name, entry in sorted(manifest.files.items()):
        if name not in members or name == MANIFEST:
            findings.append(_finding("file_missing", name))
            continue
        data = _read(archive, members[name])
        contents[name] = data
        if len(data) != entry.bytes or hashlib.sha256(data).hexdigest() != entry.sha256:
            findings.append(_finding("file_modified", name))
    findings += [_finding("file_added", name) for name in sorted(names) if name != MANIFEST
                 and name not in manifest.files]
    findings += _check_records(contents)
    return _report(findings, files_checked=len(contents), manifest=manifest)


def _lines(data: bytes | None) -> list[dict[str, Any]]:
    records = []
    for line in (data or b"").decode("utf-8", errors="replace").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records


def _check_records(contents: dict[str, bytes]) -> list[Finding]:
    """Each event against its own hash, and each unit against the events in the pack."""
    findings = []
    event_ids = set()
    for record in _lines(contents.get("audit_events.jsonl")):
        event_id = str(record.get("event_id"))
        event_ids.add(event_id)
        try:
            recomputed = event_hash(seq=record["seq"], event_id=record["event_id"], ts=record["ts"],
                                    tenant=record["tenant"], kind=record["kind"], actor=record["actor"],
                                    action=record["action"], payload_json=record["payload_json"],
                                    prev_hash=record["prev_hash"])
        except (KeyError, TypeError, ValueError):
            recomputed = None
        if recomputed != record.get("hash"):
            findings.append(_finding("event_hash_mismatch", event_id))
    if "audit_events.jsonl" not in contents:
        return findings  # already reported missing; every unit would be an orphan
    for unit in _lines(contents.get("revenue_work_units.jsonl")):
        if unit.get("audit_event") not in event_ids:
            findings.append(_finding("orphan_unit", str(unit.get("rwu_id"))))
    return findings
