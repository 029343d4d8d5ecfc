"""API keys: one per user, carrying tenant and role, stored only as a hash.

A key looks like ``dx_<key_id>_<secret>``. The key id finds the row; the secret is checked against
an HMAC-SHA256 of it under the deployment's signing key, in constant time. A stolen database
therefore yields no usable key, and a key printed once cannot be shown again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from dealix.settings import Settings
from tools.models import Caller, Role
from tools.store import Database

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
# Thread ids are "{tenant}:{uuid}", so a tenant id never holds ':' (nor anything a URL must escape).
TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
USER_ID = re.compile(r"[^\s:]{1,128}")


class IssuedKey(BaseModel):
    """What ``create`` returns: the only time the plain key exists."""

    key: str = Field(description="The API key; shown once, store it now.")
    key_id: str
    caller: Caller


class KeyRecord(BaseModel):
    """A stored key without its secret."""

    key_id: str
    caller: Caller
    created_at: datetime
    revoked_at: datetime | None = None


def _record(row: Any) -> KeyRecord:
    return KeyRecord(key_id=row["key_id"], caller=Caller(user_id=row["user_id"], tenant=row["tenant"],
                                                         role=Role(row["role"])),
                     created_at=datetime.fromisoformat(row["created_at"]),
                     revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None)


class ApiKeyStore(Database):
    def __init__(self, path: Path | str, *, signing_key: bytes) -> None:
        super().__init__(path, schema=_SCHEMA)
        self._mac_key = hmac.new(signing_key, b"dealix-api-keys", hashlib.sha256).digest()

    def _mac(self, secret: str) -> str:
        return hmac.new(self._mac_key, secret.encode(), hashlib.sha256).hexdigest()

    def create(self, *, user_id: str, tenant: str, role: Role, now: datetime) -> IssuedKey:
        if not TENANT_ID.fullmatch(tenant) or not USER_ID.fullmatch(user_id):
            raise ValueError("tenant: 1-63 of a-z 0-9 _ - (starting with a letter or digit); "
                             "user: 1-128 characters without spaces or ':'")
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
        record = self.verify(key)
        return record.caller if record is not None else None

    def verify(self, key: str) -> KeyRecord | None:
        """The active key record a plain key stands for, or None (malformed, unknown, wrong, revoked)."""
        parts = key.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
            return None
        with self.read() as conn:
            row = conn.execute("SELECT * FROM api_keys WHERE key_id = ?", (parts[1],)).fetchone()
        # Compare even when the row is missing, so timing does not reveal which key ids exist.
        expected = row["secret_mac"] if row is not None else self._mac("")
        if not hmac.compare_digest(expected, self._mac(parts[2])) or row is None or row["revoked_at"]:
            return None
        return _record(row)

    def active(self, key_id: str) -> KeyRecord | None:
        """The record of a key id if it exists and is not revoked (console sessions name the key id)."""
        with self.read() as conn:
            row = conn.execute("SELECT * FROM api_keys WHERE key_id = ? AND revoked_at IS NULL",
                               (key_id,)).fetchone()
        return _record(row) if row is not None else None

    def list_keys(self, tenant: str | None = None) -> list[KeyRecord]:
        """Key records (never secrets), oldest first; one tenant's when ``tenant`` is given."""
        query, params = "SELECT * FROM api_keys", tuple[str, ...]()
        if tenant is not None:
            query, params = query + " WHERE tenant = ?", (tenant,)
        with self.read() as conn:
            rows = conn.execute(query + " ORDER BY created_at, key_id", params).fetchall()
        return [_record(r) for r in rows]

    def revoke(self, key_id: str, *, now: datetime) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now.isoformat(), key_id)
            )
        return cur.rowcount == 1


@lru_cache(maxsize=8)
def _key_store(path: str, key: bytes) -> ApiKeyStore:
    return ApiKeyStore(path, signing_key=key)


def key_store_for(settings: Settings) -> ApiKeyStore:
    """The deployment's key store (``{data_dir}/api_keys.db``), one per file and key in a process."""
    settings.ensure_data_dir()
    return _key_store(str(settings.data_dir / "api_keys.db"), settings.signing_key())
