"""Approvals bound to one exact action.

An approval is requested for a digest over (tenant, skill, action, args, contact, policy version)
and, once granted, yields a token ``{approval_id}.{signature}``. Execution presents the token with
the call; the book recomputes the digest from the call as it is *now* and consumes the approval
in the same transaction that starts the side effect. Missing, forged, reused, expired or
mismatched tokens fail closed, each with its own code.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tools.canonical import canonical_json, sign, verify_signature
from tools.errors import ApprovalError, NotFound
from tools.models import (
    ActionRequest,
    ApprovalRequest,
    ApprovalStatus,
    HumanInterruptConfig,
    Role,
    ToolCall,
)
from tools.store import Conn, Row


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
                now: datetime) -> ApprovalRequest:
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
            " expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?)",
            (approval_id, call.tenant, call.thread_id, call.tool_call_id, call.skill, action,
             canonical_json(call.args), call.contact_id, digest, policy_version,
             json.dumps([r.value for r in approver_roles]), description, now.isoformat(), expires.isoformat()),
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
        cursor = conn.execute(
            "UPDATE approvals SET status = 'expired' WHERE status IN ('pending', 'approved')"
            " AND expires_at <= ?", (now.isoformat(),),
        )
        return cursor.rowcount

    # -- decisions --------------------------------------------------------------------------
    def mark(self, conn: Conn, approval_id: str, *, status: ApprovalStatus, by: str,
             role: Role, at: datetime, reason: str | None, superseded_by: str | None = None) -> bool:
        """Move a pending approval to its decided status; False if someone decided it first."""
        cursor = conn.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_role = ?, decided_at = ?, reason = ?,"
            " superseded_by = ? WHERE approval_id = ? AND status = 'pending'",
            (status, by, role.value, at.isoformat(), reason, superseded_by, approval_id),
        )
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
            conn.execute("UPDATE approvals SET status = 'expired' WHERE approval_id = ? AND status != 'consumed'",
                         (approval_id,))
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
    )
