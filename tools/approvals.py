"""Approvals bound to one exact action.

An approval is requested for a digest over (tenant, skill, action, args, contact, policy version)
and, once granted, yields a token ``{approval_id}.{signature}``. Execution presents the token with
the call; the book recomputes the digest from the call as it is *now* and consumes the approval
in the same transaction that starts the side effect. Missing, forged, reused, expired or
mismatched tokens fail closed, each with its own code.

An approval's arguments stay in clear only while they may still run: pending, approved, or
consumed with the execution unfinished (recovery finishes it with them). Once the action ran, or
never will (rejected, superseded, expired), :meth:`ApprovalBook.retire` replaces them, in the
transaction that records that end, with keyed pseudonyms; the digest, and so the token and every
idempotence check, stays exactly as it was.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from tools.canonical import canonical_json, sign, verify_signature
from tools.errors import ApprovalError, NotFound
from tools.models import (
    ActionRequest,
    ApprovalRequest,
    ApprovalStatus,
    HumanInterruptConfig,
    RecipientCheck,
    Role,
    ToolCall,
)
from tools.pii import PiiMasker
from tools.store import Conn, Row

_TAGGED = re.compile(r"^\[[^\]:\s]+:[0-9a-f]{8}\]$")  # already a keyed pseudonym (retired twice, erased)


def _new_approval_id() -> str:
    return f"apr_{uuid.uuid4().hex[:20]}"


class ApprovalBook:
    def __init__(self, *, key: bytes, ttl: timedelta,
                 id_factory: Callable[[], str] = _new_approval_id) -> None:
        self._key = key
        self._ttl = ttl
        self._new_id = id_factory

    # -- requests ---------------------------------------------------------------------------
    def request(self, conn: Conn, *, call: ToolCall, action: str, digest: str,
                policy_version: str, approver_roles: tuple[Role, ...], description: str,
                now: datetime, recipient: RecipientCheck | None = None) -> ApprovalRequest:
        """A pending approval; asking again for the same thread, call and digest returns the same one."""
        existing = conn.execute(
            "SELECT * FROM approvals WHERE tenant = ? AND thread_id = ? AND tool_call_id = ? AND digest = ?"
            " AND status IN ('pending', 'approved') ORDER BY requested_at DESC LIMIT 1",
            (call.tenant, call.thread_id, call.tool_call_id, digest),
        ).fetchone()
        if existing is not None:
            return row_to_request(existing)
        approval_id = self._new_id()
        expires = now + self._ttl
        conn.execute(
            "INSERT INTO approvals (approval_id, tenant, thread_id, tool_call_id, skill, action, args,"
            " contact_id, digest, policy_version, approver_roles, description, status, requested_at,"
            " expires_at, recipient) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,?)",
            (approval_id, call.tenant, call.thread_id, call.tool_call_id, call.skill, action,
             canonical_json(call.args), call.contact_id, digest, policy_version,
             json.dumps([r.value for r in approver_roles]), description, now.isoformat(), expires.isoformat(),
             recipient.model_dump_json() if recipient is not None else None),
        )
        row = conn.execute("SELECT * FROM approvals WHERE approval_id = ?", (approval_id,)).fetchone()
        return row_to_request(row)

    def get_row(self, conn: Conn, approval_id: str, tenant: str) -> Row:
        row = conn.execute(
            "SELECT * FROM approvals WHERE approval_id = ? AND tenant = ?", (approval_id, tenant)
        ).fetchone()
        if row is None:  # another tenant's approval is indistinguishable from a missing one
            raise NotFound("لا توجد موافقة بهذا المعرّف.", f"No approval {approval_id!r}.")
        return row

    def expire_due(self, conn: Conn, now: datetime) -> int:
        due = [r[0] for r in conn.execute(
            "SELECT approval_id FROM approvals WHERE status IN ('pending', 'approved') AND expires_at <= ?",
            (now.isoformat(),))]
        return sum(self.expire(conn, approval_id) for approval_id in due)

    def expire(self, conn: Conn, approval_id: str) -> bool:
        """Expire a pending or approved (never used) approval; False when it was no longer either."""
        cursor = conn.execute("UPDATE approvals SET status = 'expired' WHERE approval_id = ?"
                              " AND status IN ('pending', 'approved')", (approval_id,))
        if cursor.rowcount == 1:
            self.retire(conn, approval_id)
        return cursor.rowcount == 1

    def retire(self, conn: Conn, approval_id: str) -> bool:
        """Keep only keyed pseudonyms of the arguments of an approval that will not run (again).

        Refused (False) while they may still be needed: pending, approved, or consumed with its
        execution still started (a recovery finishes it). Call it in the transaction that records
        the end (rejected, superseded, expired, executed, a failed execution discarded).
        """
        row = conn.execute("SELECT status, args, description FROM approvals WHERE approval_id = ?",
                           (approval_id,)).fetchone()
        if row is None or row["status"] in ("pending", "approved"):
            return False
        if row["status"] == "consumed" and conn.execute(
                "SELECT 1 FROM side_effects WHERE approval_id = ? AND status = 'started'", (approval_id,)).fetchone():
            return False
        args, description = self._spent(row["args"], row["description"])
        conn.execute("UPDATE approvals SET args = ?, description = ? WHERE approval_id = ?",
                     (args, description, approval_id))
        return True

    def _spent(self, args_json: str, description: str) -> tuple[str, str]:
        """Every text of the arguments as a keyed pseudonym (a body names its recipient; this layer
        cannot know which words are names), in the arguments and wherever the description quotes
        them (the rest of it, the recipient check and provenance, names no one). The digest still
        proves which action was approved; the outbox holds what left."""
        masker = PiiMasker(self._key)
        quoted: dict[str, str] = {}

        def spent(value: Any, key: str) -> Any:
            if isinstance(value, str):
                if not value or _TAGGED.match(value):
                    return value
                quoted[value] = masker.tag(key.upper(), value)
                return quoted[value]
            if isinstance(value, dict):
                return {k: spent(v, str(k)) for k, v in value.items()}
            if isinstance(value, list):
                return [spent(v, key) for v in value]
            return value

        masked = canonical_json(spent(json.loads(args_json), "text"))
        for text in sorted(quoted, key=len, reverse=True):
            if len(text) >= 3:
                description = description.replace(text, quoted[text])
        return masked, description  # it quoted the arguments' phones and emails masked already

    # -- decisions --------------------------------------------------------------------------
    def mark(self, conn: Conn, approval_id: str, *, status: ApprovalStatus, by: str,
             role: Role, at: datetime, reason: str | None, superseded_by: str | None = None) -> bool:
        """Move a pending approval to its decided status; False if someone decided it first."""
        cursor = conn.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_role = ?, decided_at = ?, reason = ?,"
            " superseded_by = ? WHERE approval_id = ? AND status = 'pending'",
            (status, by, role.value, at.isoformat(), reason, superseded_by, approval_id),
        )
        if cursor.rowcount == 1 and status != "approved":  # rejected, superseded, expired: it never runs
            self.retire(conn, approval_id)
        return cursor.rowcount == 1

    def token_for(self, row: Row) -> str:
        return f"{row['approval_id']}.{sign(self._key, _token_message(row))}"

    # -- execution --------------------------------------------------------------------------
    def consume(self, conn: Conn, token: str, *, tenant: str, digest: str,
                now: datetime) -> Row:
        """Check the token against the call's digest and spend it, inside the caller's transaction."""
        row = self._signed_row(conn, token, tenant=tenant, digest=digest)
        approval_id = row["approval_id"]
        if row["status"] == "consumed":
            raise ApprovalError("استُخدمت هذه الموافقة من قبل.", "Approval already used.", code="approval_used")
        if row["status"] == "expired" or datetime.fromisoformat(row["expires_at"]) <= now:
            self.expire(conn, approval_id)
            raise ApprovalError("انتهت صلاحية الموافقة.", "Approval expired.", code="approval_expired")
        if row["status"] != "approved":
            raise ApprovalError("لم تُمنح الموافقة.", "Approval not granted.", code="approval_not_granted")
        spent = conn.execute(
            "UPDATE approvals SET status = 'consumed', consumed_at = ? WHERE approval_id = ? AND status = 'approved'",
            (now.isoformat(), approval_id),
        )
        if spent.rowcount != 1:  # lost a race with another executor
            raise ApprovalError("استُخدمت هذه الموافقة من قبل.", "Approval already used.", code="approval_used")
        return row

    def verify(self, conn: Conn, token: str, *, tenant: str, digest: str) -> str:
        """Check a token's signature and digest without spending it; returns its approval id."""
        approval_id: str = self._signed_row(conn, token, tenant=tenant, digest=digest)["approval_id"]
        return approval_id

    def _signed_row(self, conn: Conn, token: str, *, tenant: str, digest: str) -> Row:
        """The approval a token names, if its signature is ours and it covers exactly ``digest``."""
        approval_id, _, signature = token.partition(".")
        row: Row | None = conn.execute(
            "SELECT * FROM approvals WHERE approval_id = ? AND tenant = ?", (approval_id, tenant)
        ).fetchone()
        if row is None or not signature or not verify_signature(self._key, _token_message(row), signature):
            raise ApprovalError("رمز الموافقة غير صالح.", "Forged or unknown approval token.",
                                code="approval_invalid")
        if row["digest"] != digest:
            raise ApprovalError("الموافقة لا تطابق هذا الإجراء أو معطياته.", "Approval digest mismatch.",
                                code="approval_mismatch")
        return row

    # -- reading ----------------------------------------------------------------------------
    def rows(self, conn: Conn, approval_ids: Collection[str], tenant: str) -> dict[str, Row]:
        """approval id → row, for those of ``approval_ids`` that are ``tenant``'s (one read, not one each)."""
        ids = sorted(set(approval_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        found = conn.execute(f"SELECT * FROM approvals WHERE tenant = ? AND approval_id IN ({marks})",  # noqa: S608
                             (tenant, *ids)).fetchall()
        return {row["approval_id"]: row for row in found}

    def pending(self, conn: Conn, *, tenant: str | None, now: datetime) -> list[ApprovalRequest]:
        query = "SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ?"
        params: list[Any] = [now.isoformat()]
        if tenant is not None:
            query += " AND tenant = ?"
            params.append(tenant)
        rows = conn.execute(query + " ORDER BY requested_at, approval_id", params).fetchall()
        return [row_to_request(r) for r in rows]


def approval_id_of(token: str) -> str:
    """The approval a token names (not a check: use ``verify`` or ``consume`` for that)."""
    return token.partition(".")[0]


def _token_message(row: Row) -> str:
    return f"{row['approval_id']}:{row['digest']}:{row['expires_at']}"


def row_to_request(row: Row) -> ApprovalRequest:
    return ApprovalRequest(
        approval_id=row["approval_id"],
        action_request=ActionRequest(action=row["action"], args=json.loads(row["args"])),
        config=HumanInterruptConfig(),
        description=row["description"],
        tenant=row["tenant"], skill=row["skill"], thread_id=row["thread_id"],
        tool_call_id=row["tool_call_id"], contact_id=row["contact_id"], args_digest=row["digest"],
        policy_version=row["policy_version"],
        approver_roles=tuple(Role(r) for r in json.loads(row["approver_roles"])),
        requested_at=datetime.fromisoformat(row["requested_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        status=row["status"],
        recipient=RecipientCheck.model_validate_json(row["recipient"]) if row["recipient"] else None,
    )
