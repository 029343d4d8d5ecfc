"""Append-only, hash-chained audit log with a signed head.

Each event stores the hash of the one before it and a hash over its own canonical content
(sequence number included), so editing, deleting or reordering any event breaks the chain at that
event. Cutting events off the end leaves a valid-looking chain, so the last sequence number and
hash are also kept in ``audit_head``, signed with the data directory's key: a truncated log no
longer reaches its head. :func:`verify_chain` walks the chain and names the first bad event.

Payloads are PII-masked *before* hashing, so the stored chain never holds raw personal data and
masking later cannot break it. Free text a person wrote or will read (a draft's body and subject,
a message, notes) is kept only as a keyed tag (``[TEXT:…]``): it can name people in ways no
pattern catches, and the decision's digest already binds the exact arguments. The text itself
lives in the erasable stores (approvals, outbox), so erasing a contact never touches the chain.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tools.canonical import canonical_json, sha256_hex, sign, verify_signature
from tools.models import AuditEvent
from tools.pii import PII_KEYS, PiiMasker
from tools.store import Conn, Row, Store

GENESIS = "0" * 64


def _new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex[:20]}"


# Fields the gateway itself produces (ids, digests, codes): never personal data, and masking a
# hex digest that happens to hold a long digit run would corrupt the evidence.
INTERNAL_KEYS = frozenset({
    "digest", "policy_hash", "policy_version", "approval_id", "new_approval_id", "ledger_id", "event_id",
    "thread_id", "tool_call_id", "mode", "reason_code", "skill", "requested_action", "role", "transport",
    "contact_id", "also_known_as", "threads_kept",
})

# Free text: kept as a keyed tag, never in clear (see the module docstring).
FREE_TEXT_KEYS = frozenset({"body", "subject", "text", "message", "notes", "note", "comment", "content", "reply"})


def mask_payload(masker: PiiMasker, payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a payload (also what erasure leaves of a stored one).

    Internal keys are trusted only at the top level, where the gateway itself writes them.
    """
    return {k: v if k in INTERNAL_KEYS else _mask(masker, v, k) for k, v in payload.items()}


def _mask(masker: PiiMasker, value: Any, key: str | None) -> Any:
    if key is not None and key.lower() in PII_KEYS:
        return masker.mask(value, key=key)
    if key is not None and key.lower() in FREE_TEXT_KEYS and isinstance(value, str) and value:
        return masker.tag("TEXT", value)
    if isinstance(value, Mapping):
        return {k: _mask(masker, v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(masker, v, None) for v in value]
    return masker.mask(value)


def event_hash(*, seq: int, event_id: str, ts: str, tenant: str, kind: str, actor: str,
               action: str | None, payload_json: str, prev_hash: str) -> str:
    """Hash over the event's header and the exact stored payload text."""
    header = canonical_json({"seq": seq, "event_id": event_id, "ts": ts, "tenant": tenant, "kind": kind,
                             "actor": actor, "action": action, "prev_hash": prev_hash})
    return sha256_hex(header + "\n" + payload_json)


class AuditLog:
    def __init__(self, store: Store, *, key: bytes, masker: PiiMasker,
                 id_factory: Callable[[], str] = _new_event_id) -> None:
        self._store = store
        self._key = key
        self._masker = masker
        self._new_id = id_factory

    def append(self, conn: Conn, *, tenant: str, kind: str, actor: str,
               action: str | None, payload: dict[str, Any], ts: datetime) -> AuditEvent:
        """Append inside the caller's write transaction (``Store.transaction``)."""
        masked = mask_payload(self._masker, payload)
        payload_json = canonical_json(masked)
        if action is not None and "\x00" in action:  # a refused, malformed action id: PostgreSQL text holds no NUL
            action = action.replace("\x00", "\\x00")
        row = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        event_id = self._new_id()
        ts_text = ts.isoformat()
        digest = event_hash(seq=seq, event_id=event_id, ts=ts_text, tenant=tenant, kind=kind,
                            actor=actor, action=action, payload_json=payload_json, prev_hash=prev)
        conn.execute(
            "INSERT INTO audit_events (seq, event_id, ts, tenant, kind, actor, action, payload, prev_hash, hash)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (seq, event_id, ts_text, tenant, kind, actor, action, payload_json, prev, digest),
        )
        conn.execute(
            "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
            (seq, digest, sign(self._key, f"{seq}:{digest}")),
        )
        return AuditEvent(seq=seq, event_id=event_id, ts=ts, tenant=tenant, kind=kind, actor=actor,
                          action=action, payload=masked, prev_hash=prev, hash=digest)

    def record(self, **kwargs: Any) -> AuditEvent:
        """Append in a transaction of its own."""
        with self._store.transaction() as conn:
            return self.append(conn, **kwargs)

    def events(self, *, tenant: str | None = None, limit: int = 100, after_seq: int = 0) -> list[AuditEvent]:
        query = "SELECT * FROM audit_events WHERE seq > ?"
        params: list[Any] = [after_seq]
        if tenant is not None:
            query += " AND tenant = ?"
            params.append(tenant)
        query += " ORDER BY seq LIMIT ?"
        params.append(limit)
        with self._store.read() as conn:
            return [_row_to_event(r) for r in conn.execute(query, params).fetchall()]

    def verify(self) -> VerifyReport:
        with self._store.read() as conn:
            return verify_chain(conn, key=self._key)


def _row_to_event(row: Row) -> AuditEvent:
    return AuditEvent(
        seq=row["seq"], event_id=row["event_id"], ts=datetime.fromisoformat(row["ts"]),
        tenant=row["tenant"], kind=row["kind"], actor=row["actor"], action=row["action"],
        payload=json.loads(row["payload"]), prev_hash=row["prev_hash"], hash=row["hash"],
    )


Problem = Literal["edited", "deleted_or_reordered", "chain_broken", "truncated", "head_missing",
                  "head_forged", "unexpected_events", "unreadable"]


class VerifyReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    events_checked: int
    first_bad_seq: int | None = None
    first_bad_event_id: str | None = None
    problem: Problem | None = None
    detail: str = ""


def _rows(conn: Conn) -> Iterator[Row]:
    cursor = conn.execute("SELECT * FROM audit_events ORDER BY seq")
    while batch := cursor.fetchmany(2000):
        yield from batch


def verify_chain(conn: Conn, *, key: bytes) -> VerifyReport:
    """Walk the whole chain; stop at the first event that is not what the chain promises."""
    expected_seq, prev, checked = 1, GENESIS, 0
    for row in _rows(conn):
        bad = _check_row(row, expected_seq, prev)
        if bad is not None:
            problem, detail = bad
            return VerifyReport(ok=False, events_checked=checked, first_bad_seq=row["seq"],
                                first_bad_event_id=row["event_id"], problem=problem, detail=detail)
        prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1

    head = conn.execute("SELECT seq, hash, mac FROM audit_head WHERE id = 1").fetchone()
    last_seq = expected_seq - 1
    if head is None:
        if checked == 0:
            return VerifyReport(ok=True, events_checked=0)
        return VerifyReport(ok=False, events_checked=checked, problem="head_missing",
                            detail="the signed chain head is missing")
    if not verify_signature(key, f"{head['seq']}:{head['hash']}", head["mac"]):
        return VerifyReport(ok=False, events_checked=checked, problem="head_forged",
                            detail="the chain head's signature does not match (edited, or another key)")
    if head["seq"] > last_seq:
        return VerifyReport(ok=False, events_checked=checked, first_bad_seq=last_seq + 1,
                            problem="truncated",
                            detail=f"events {last_seq + 1}..{head['seq']} are missing from the end")
    if head["seq"] < last_seq or head["hash"] != prev:
        return VerifyReport(ok=False, events_checked=checked, first_bad_seq=head["seq"] + 1,
                            problem="unexpected_events",
                            detail="events after the signed head were added outside the gateway")
    return VerifyReport(ok=True, events_checked=checked)


def _check_row(row: Row, expected_seq: int, prev: str) -> tuple[Problem, str] | None:
    if row["seq"] != expected_seq:
        return "deleted_or_reordered", f"expected event {expected_seq}, found {row['seq']}"
    if row["prev_hash"] != prev:
        return "chain_broken", "prev_hash does not match the previous event's hash"
    if not isinstance(row["payload"], str):
        return "unreadable", "payload is not text"
    recomputed = event_hash(seq=row["seq"], event_id=row["event_id"], ts=row["ts"], tenant=row["tenant"],
                            kind=row["kind"], actor=row["actor"], action=row["action"],
                            payload_json=row["payload"], prev_hash=row["prev_hash"])
    if recomputed != row["hash"]:
        return "edited", "the event's content does not match its hash"
    return None
