"""What a case caused, read from the gateway's own records: never from what an agent said.

    side_effects (the ledger) ... every connector run: action, status, contact
    outbox/ ..................... exactly what would have left, one file per ledger id
    audit_events ................ every decision and refusal, with skill, mode and reason code
    approvals ................... what is waiting for a person

A connector can only run through the gateway, and the gateway writes the ledger row before it
runs one, so "no ledger row and no outbox file" is the proof that no connector was called.
"""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evals.sandbox import Sandbox
from tools.canonical import canonical_json, sha256_hex


class LedgerEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    status: str = Field(description="started | done | failed")
    contact_id: str | None = None
    outbox_path: str | None = None


class OutboxFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    action: str = Field(description="The action the file was written for (its name up to the ledger id).")
    text: str = Field(description="The readable content: headers and decoded body for e-mail, else the text.")


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    kind: str = Field(description="decision, execution_refused, executed, approval_*, ...")
    action: str | None
    skill: str | None = None
    mode: str | None = None
    reason_code: str | None = None
    contact_id: str | None = None


class PendingApproval(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    skill: str
    contact_id: str | None
    args: dict[str, Any]


class Observation(BaseModel):
    """Everything the gateway recorded for one case."""

    model_config = ConfigDict(frozen=True)

    ledger: tuple[LedgerEntry, ...] = ()
    outbox: tuple[OutboxFile, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    pending: tuple[PendingApproval, ...] = ()

    @property
    def connector_calls(self) -> int:
        """Connector runs the ledger saw (any status) plus outbox files without a ledger row (none expected)."""
        return max(len(self.ledger), len(self.outbox))

    def executed(self, action: str | None = None) -> list[LedgerEntry]:
        return [e for e in self.ledger if e.status in ("started", "done") and (action is None or e.action == action)]

    def outbox_for(self, action: str) -> list[OutboxFile]:
        return [f for f in self.outbox if f.action == action]

    def blocked(self) -> list[AuditEntry]:
        """Decisions and execution refusals that ended blocked."""
        return [e for e in self.audit
                if (e.kind == "decision" and e.mode == "blocked") or e.kind == "execution_refused"]

    def decisions(self) -> list[AuditEntry]:
        return [e for e in self.audit if e.kind == "decision"]

    def fingerprint(self) -> str:
        """A digest of what happened, free of random ids and order within a step (for determinism)."""
        facts = {
            "ledger": sorted((e.action, e.status, e.contact_id or "") for e in self.ledger),
            "outbox": sorted((f.action, stable_text(f.text)) for f in self.outbox),
            "audit": sorted((e.kind, e.action or "", e.skill or "", e.mode or "", e.reason_code or "",
                             e.contact_id or "") for e in self.audit),
            "pending": sorted(canonical_json([p.action, p.skill, p.contact_id, p.args]) for p in self.pending),
        }
        return sha256_hex(canonical_json(facts))


_RANDOM_ID = re.compile(r"[A-Za-z_]*[0-9a-f]{12,}")


def stable_text(text: str) -> str:
    """Text with generated ids (ledger, event, approval, message ids) blanked out."""
    return _RANDOM_ID.sub("<id>", text)


def observe(sandbox: Sandbox) -> Observation:
    gateway = sandbox.gateway
    with gateway.store.read() as conn:
        ledger_rows = conn.execute(
            "SELECT action, status, contact_id, result FROM side_effects WHERE tenant = ?"
            " ORDER BY started_at, ledger_id",
            (sandbox.tenant,)).fetchall()
        audit_rows = conn.execute(
            "SELECT seq, kind, action, payload FROM audit_events WHERE tenant = ? ORDER BY seq",
            (sandbox.tenant,)).fetchall()
    ledger = tuple(LedgerEntry(action=r["action"], status=r["status"], contact_id=r["contact_id"],
                               outbox_path=(json.loads(r["result"]) if r["result"] else {}).get("outbox_path"))
                   for r in ledger_rows)
    audit = tuple(_audit_entry(r["seq"], r["kind"], r["action"], r["payload"]) for r in audit_rows)
    pending = tuple(PendingApproval(action=a.action_request.action, skill=a.skill, contact_id=a.contact_id,
                                    args=dict(a.action_request.args))
                    for a in gateway.pending_approvals(sandbox.tenant))
    return Observation(ledger=ledger, outbox=tuple(read_outbox(sandbox.outbox_dir)), audit=audit, pending=pending)


def _audit_entry(seq: int, kind: str, action: str | None, payload_text: str) -> AuditEntry:
    payload = json.loads(payload_text)
    return AuditEntry(seq=seq, kind=kind, action=action, skill=payload.get("skill"), mode=payload.get("mode"),
                      reason_code=payload.get("reason_code"), contact_id=payload.get("contact_id"))


def read_outbox(folder: Path) -> list[OutboxFile]:
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        action = path.stem.rsplit("-", 1)[0]
        files.append(OutboxFile(name=path.name, action=action, text=_readable(path)))
    return files


def _readable(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".eml":
        message = message_from_bytes(raw, policy=email_policy.default)
        body = message.get_body(("plain",))
        headers = "\n".join(f"{k}: {v}" for k, v in message.items() if k.lower() in ("to", "subject", "from"))
        return f"{headers}\n\n{body.get_content() if body is not None else ''}"
    return raw.decode("utf-8", errors="replace")
