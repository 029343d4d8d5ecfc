"""API keys: one per user, carrying tenant and role, stored only as a hash.

A key looks like ``dx_<key_id>_<secret>``. The key id finds the row; the secret is checked against
an HMAC-SHA256 of it under the deployment's signing key, in constant time. A stolen database
therefore yields no usable key, and a key printed once cannot be shown again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from tools.models import Caller, Role
from tools.store import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    secret_mac  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys (tenant, user_id);
"""

PREFIX = "dx"


class IssuedKey(BaseModel):
    """What ``create`` returns: the only time the plain key exists."""

    key: str = Field(description="The API key; shown once, store it now.")
    key_id: str
    caller: Caller


class ApiKeyStore(SqliteDatabase):
    def __init__(self, path: Path | str, *, signing_key: bytes) -> None:
        super().__init__(path, schema=_SCHEMA)
        self._mac_key = hmac.new(signing_key, b"dealix-api-keys", hashlib.sha256).digest()

    def _mac(self, secret: str) -> str:
        return hmac.new(self._mac_key, secret.encode(), hashlib.sha256).hexdigest()

    def create(self, *, user_id: str, tenant: str, role: Role, now: datetime) -> IssuedKey:
        caller = Caller(user_id=user_id, tenant=tenant, role=role)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (key_id, secret_mac, user_id, tenant, role, created_at) VALUES (?,?,?,?,?,?)",
                (key_id, self._mac(secret), user_id, tenant, role.value, now.isoformat()),
            )
        return IssuedKey(key=f"{PREFIX}_{key_id}_{secret}", key_id=key_id, caller=caller)

    def authenticate(self, key: str) -> Caller | None:
        """The caller a key belongs to, or None for a malformed, unknown, wrong or revoked key."""
        parts = key.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
            return None
        with self.read() as conn:
            row = conn.execute(
                "SELECT secret_mac, user_id, tenant, role, revoked_at FROM api_keys WHERE key_id = ?", (parts[1],)
            ).fetchone()
        # Compare even when the row is missing, so timing does not reveal which key ids exist.
        expected = row["secret_mac"] if row is not None else self._mac("")
        if not hmac.compare_digest(expected, self._mac(parts[2])) or row is None or row["revoked_at"]:
            return None
        return Caller(user_id=row["user_id"], tenant=row["tenant"], role=Role(row["role"]))

    def revoke(self, key_id: str, *, now: datetime) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now.isoformat(), key_id)
            )
        return cur.rowcount == 1
