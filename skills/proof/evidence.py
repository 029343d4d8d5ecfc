"""Evidence packs: a zip of the audit events, revenue work units and execution ledger entries for a
deal, a contact or a period, with a signed SHA-256 manifest.

    evidence.zip
      README.txt ............ what this is and how to verify it (Arabic, English)
      scope.json ............ tenant, contact / deal, period
      audit_events.jsonl .... the events as stored: masked payload text, prev_hash, hash
      revenue_work_units.jsonl
      ledger_entries.jsonl .. executions (result masked, outbox file name only)
      approvals.jsonl ....... who decided what and when (no arguments, no descriptions)
      consent.jsonl ......... consent history in scope (no addresses)
      chain.json ............ the whole chain's verification at export and its signed head
      compliance.json ....... the Saudi compliance matrix with each control's live status for the tenant
                              at export (skills.governance.compliance; Dealix's mapping, not legal advice)
      manifest.json ......... sha256 and size of every file above, HMAC-signed with the deployment key

Nothing leaves that the audit log does not already mask: payloads are exported as stored (masked
before they were hashed), other free text goes through the same keyed masker, and addresses,
message arguments and outbox contents are left out. ``evidence_verify`` checks a pack.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.governance.compliance import ComplianceChecker
from skills.proof.catalog import load_texts
from skills.proof.ledger import iso_window
from skills.proof.period import Period
from tools.audit import verify_chain
from tools.canonical import canonical_json, sign
from tools.gateway import Gateway
from tools.models import RWUType
from tools.pii import PiiMasker
from tools.saudi_time import RIYADH
from tools.settings import Settings

FORMAT: Literal["dealix-evidence/1"] = "dealix-evidence/1"
MANIFEST = "manifest.json"
_SIGNING_CONTEXT = "dealix-evidence-manifest:"


class EvidenceScope(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str = Field(min_length=1)
    contact_id: str | None = Field(default=None, min_length=1)
    deal_id: str | None = Field(default=None, min_length=1)
    period: Period | None = None

    @property
    def kind(self) -> Literal["contact", "deal", "period"]:
        return "contact" if self.contact_id else "deal" if self.deal_id else "period"


class FileEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class ChainSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    events_checked: int
    problem: str | None = None
    head_seq: int | None = None
    head_hash: str | None = None
    head_mac: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["dealix-evidence/1"] = FORMAT
    tenant: str
    scope: dict[str, str | None]
    created_at: datetime
    files: dict[str, FileEntry]
    counts: dict[str, int]
    chain: ChainSummary
    signature: str = Field(default="", description="HMAC-SHA256 of the manifest without this field.")

    def signing_text(self) -> str:
        return _SIGNING_CONTEXT + canonical_json(self.model_dump(mode="json", exclude={"signature"}))


def sign_manifest(manifest: Manifest, key: bytes) -> Manifest:
    return manifest.model_copy(update={"signature": sign(key, manifest.signing_text())})


# ------------------------------------------------------------------------------------ selecting
class _Selection:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.approval_ids: set[str] = set()
        self.ledger_ids: set[str] = set()

    def add(self, row: dict[str, Any]) -> bool:
        if row["event_id"] in self.events:
            return False
        self.events[row["event_id"]] = row
        payload = row["payload_obj"]
        for key in ("approval_id", "new_approval_id"):
            if isinstance(payload.get(key), str):
                self.approval_ids.add(payload[key])
        if isinstance(payload.get("ledger_id"), str):
            self.ledger_ids.add(payload["ledger_id"])
        return True


def _mentions(value: Any, wanted: str, depth: int = 0) -> bool:
    if isinstance(value, str):
        return value == wanted
    if depth >= 4:
        return False
    if isinstance(value, dict):
        return any(_mentions(v, wanted, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, wanted, depth + 1) for v in value)
    return False


def _in_scope(row: dict[str, Any], scope: EvidenceScope) -> bool:
    payload = row["payload_obj"]
    if scope.contact_id is not None:
        return bool(payload.get("contact_id") == scope.contact_id)
    if scope.deal_id is not None:
        return payload.get("thread_id") == scope.deal_id or _mentions(payload.get("args"), scope.deal_id)
    return True


def _rows(gateway: Gateway, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
    with gateway.store.read() as conn:
        return [dict(r) for r in conn.execute(sql, list(params)).fetchall()]


def _in_period(ts: str | None, period: Period | None) -> bool:
    return period is None or (ts is not None and period.contains(datetime.fromisoformat(ts)))


def _tenant_rows(gateway: Gateway, table: str, tenant: str, order: str) -> list[dict[str, Any]]:
    return _rows(gateway, f"SELECT * FROM {table} WHERE tenant = ? ORDER BY {order}", [tenant])  # noqa: S608


def _select(gateway: Gateway, scope: EvidenceScope) -> dict[str, list[dict[str, Any]]]:
    sql, params = "SELECT * FROM audit_events WHERE tenant = ?", [scope.tenant]
    if scope.period is not None:
        low, high = iso_window(*scope.period.bounds())
        sql, params = sql + " AND ts >= ? AND ts < ?", [*params, low, high]
    rows = [r for r in _rows(gateway, sql + " ORDER BY seq", params) if _in_period(r["ts"], scope.period)]
    for row in rows:
        row["payload_obj"] = json.loads(row["payload"])
    chosen = _Selection()
    for row in rows:
        if _in_scope(row, scope):
            chosen.add(row)
    units = [u for u in _tenant_rows(gateway, "revenue_work_units", scope.tenant, "ts, rwu_id")
             if _in_period(u["ts"], scope.period)]
    executions = _tenant_rows(gateway, "side_effects", scope.tenant, "started_at, ledger_id")
    _follow_links(chosen, rows, units, executions, refs={scope.contact_id, scope.deal_id} - {None})
    contact, period = scope.contact_id, scope.period
    ledger = [r for r in executions
              if r["ledger_id"] in chosen.ledger_ids
              or (contact is not None and r["contact_id"] == contact and _in_period(r["started_at"], period))]
    approvals = [r for r in _tenant_rows(gateway, "approvals", scope.tenant, "requested_at, approval_id")
                 if r["approval_id"] in chosen.approval_ids
                 or (contact is not None and r["contact_id"] == contact and _in_period(r["requested_at"], period))
                 or (scope.deal_id is not None and r["thread_id"] == scope.deal_id)]
    consent = [] if scope.deal_id is not None else [
        r for r in _tenant_rows(gateway, "consent_events", scope.tenant, "id")
        if (r["contact_id"] == contact if contact is not None else _in_period(r["recorded_at"], period))]
    return {"events": sorted(chosen.events.values(), key=lambda r: r["seq"]),
            "units": [u for u in units if u["audit_event"] in chosen.events],
            "ledger": ledger, "approvals": approvals, "consent": consent}


def _follow_links(chosen: _Selection, rows: list[dict[str, Any]], units: list[dict[str, Any]],
                  executions: list[dict[str, Any]], refs: set[str | None]) -> None:
    """Add the events that decided, approved and ran what is chosen, and those of units naming the ref."""
    by_id = {r["event_id"]: r for r in rows}
    changed = True
    while changed:
        changed = False
        for execution in executions:  # an approved action's run names its approval only in the ledger
            if execution["approval_id"] in chosen.approval_ids and execution["ledger_id"] not in chosen.ledger_ids:
                chosen.ledger_ids.add(execution["ledger_id"])
                changed = True
        for row in rows:
            payload = row["payload_obj"]
            linked = any(payload.get(k) in chosen.approval_ids for k in ("approval_id", "new_approval_id")) \
                or payload.get("ledger_id") in chosen.ledger_ids
            if linked and chosen.add(row):
                changed = True
        for unit in units:
            event = by_id.get(unit["audit_event"])
            if event is not None and unit["ref"] in refs and chosen.add(event):
                changed = True


# ------------------------------------------------------------------------------------ writing
def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")


def _event_record(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("seq", "event_id", "ts", "tenant", "kind", "actor", "action", "prev_hash", "hash")} | {
        "payload_json": row["payload"]}


def _ledger_record(row: dict[str, Any], masker: PiiMasker) -> dict[str, Any]:
    result = json.loads(row["result"]) if row["result"] else {}
    if isinstance(result.get("outbox_path"), str):
        result["outbox_file"] = PurePath(result.pop("outbox_path")).name
    keep = ("ledger_id", "action", "contact_id", "channel", "approval_id", "status", "started_at", "finished_at")
    return {k: row[k] for k in keep} | {"result": masker.mask(result)}


def _approval_record(row: dict[str, Any], masker: PiiMasker) -> dict[str, Any]:
    keep = ("approval_id", "thread_id", "tool_call_id", "skill", "action", "contact_id", "digest", "policy_version",
            "status", "requested_at", "expires_at", "decided_by", "decided_role", "decided_at", "consumed_at",
            "superseded_by")
    return {k: row[k] for k in keep} | {"approver_roles": json.loads(row["approver_roles"]),
                                        "reason": masker.mask_text(row["reason"]) if row["reason"] else None}


def _consent_record(row: dict[str, Any], masker: PiiMasker) -> dict[str, Any]:
    keep = ("contact_id", "channel", "status", "lawful_basis", "recorded_at", "quiet_start", "quiet_end",
            "max_per_week")
    return {k: row[k] for k in keep} | {"source": masker.mask_text(row["source"])}


def _zip_info(name: str, created: datetime) -> zipfile.ZipInfo:
    local = created.astimezone(RIYADH)
    info = zipfile.ZipInfo(name, date_time=(local.year, local.month, local.day, local.hour, local.minute,
                                            local.second - local.second % 2))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def compliance_document(gateway: Gateway, tenant: str, *, now: datetime, settings: Settings) -> bytes:
    """The compliance matrix with each control's live status for ``tenant`` at ``now`` (``compliance.json``)."""
    report = ComplianceChecker(tenant, gateway=gateway, settings=settings, clock=lambda: now).report()
    return (report.model_dump_json(indent=2) + "\n").encode()


def export_evidence(gateway: Gateway, scope: EvidenceScope, *, key: bytes, now: datetime,
                    settings: Settings, actor: str = "cli") -> tuple[bytes, Manifest]:
    """The evidence pack as zip bytes, and its signed manifest. The export itself is audited."""
    texts = load_texts()
    masker = gateway.masker
    chosen = _select(gateway, scope)
    compliance = compliance_document(gateway, scope.tenant, now=now, settings=settings)
    with gateway.store.read() as conn:
        report = verify_chain(conn, key=key)
        head = conn.execute("SELECT seq, hash, mac FROM audit_head WHERE id = 1").fetchone()
    scope_doc = {"tenant": scope.tenant, "kind": scope.kind, "contact_id": scope.contact_id,
                 "deal_id": scope.deal_id,
                 "period_start": scope.period.start.isoformat() if scope.period else None,
                 "period_end": scope.period.end.isoformat() if scope.period else None}
    chain = ChainSummary(ok=report.ok, events_checked=report.events_checked, problem=report.problem,
                         head_seq=head["seq"] if head else None, head_hash=head["hash"] if head else None,
                         head_mac=head["mac"] if head else None)
    files: dict[str, bytes] = {
        "README.txt": f"{texts.evidence.readme_ar}\n\n{texts.evidence.readme_en}\n".encode(),
        "scope.json": (json.dumps(scope_doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(),
        "audit_events.jsonl": _jsonl(_event_record(r) for r in chosen["events"]),
        "revenue_work_units.jsonl": _jsonl(
            {k: u[k] for k in ("rwu_id", "type", "audit_event", "ts", "ref", "value_sar")} for u in chosen["units"]),
        "ledger_entries.jsonl": _jsonl(_ledger_record(r, masker) for r in chosen["ledger"]),
        "approvals.jsonl": _jsonl(_approval_record(r, masker) for r in chosen["approvals"]),
        "consent.jsonl": _jsonl(_consent_record(r, masker) for r in chosen["consent"]),
        "chain.json": (chain.model_dump_json(indent=2) + "\n").encode(),
        "compliance.json": compliance,
    }
    counts = {"audit_events": len(chosen["events"]), "revenue_work_units": len(chosen["units"]),
              "ledger_entries": len(chosen["ledger"]), "approvals": len(chosen["approvals"]),
              "consent": len(chosen["consent"])}
    counts |= {f"rwu:{t.value}": sum(1 for u in chosen["units"] if u["type"] == t.value) for t in RWUType}
    manifest = sign_manifest(Manifest(
        tenant=scope.tenant, scope=scope_doc, created_at=now, counts=counts, chain=chain,
        files={name: FileEntry(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
               for name, data in files.items()},
    ), key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [*files.items(), (MANIFEST, (manifest.model_dump_json(indent=2) + "\n").encode())]:
            archive.writestr(_zip_info(name, now), data)
    gateway.audit.record(tenant=scope.tenant, kind="evidence_exported", actor=actor, action=None,
                         payload={"scope": scope_doc, "counts": {k: v for k, v in counts.items() if ":" not in k},
                                  "digest": hashlib.sha256(manifest.signing_text().encode()).hexdigest()}, ts=now)
    return buffer.getvalue(), manifest


def write_evidence(data: bytes, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
