"""Console sessions: after logging in with an API key, the browser holds a signed, short-lived cookie.

The cookie names the key id (never the key) with its issue time and an HMAC under the deployment's
signing key; every request looks the key id up again, so revoking the key ends its sessions. Unsafe
requests authenticated by the cookie must also carry the CSRF token (a header for the console's
script, a form field for its forms): a value derived from the cookie that another site cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

COOKIE = "dealix_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class SessionSigner:
    def __init__(self, signing_key: bytes, *, max_age: timedelta) -> None:
        self._key = hmac.new(signing_key, b"dealix-console-session", hashlib.sha256).digest()
        self.max_age = max_age

    def _mac(self, message: str) -> str:
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def issue(self, key_id: str, now: datetime) -> str:
        message = f"{key_id}.{int(now.timestamp())}"
        return f"{message}.{self._mac(message)}"

    def key_id(self, value: str | None, now: datetime) -> str | None:
        """The key id a cookie value names, if it is ours and not older than ``max_age``."""
        if not value or value.count(".") != 2:
            return None
        key_id, issued, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{key_id}.{issued}")) or not issued.isdigit():
            return None
        age = now.timestamp() - int(issued)
        if age < -60 or age > self.max_age.total_seconds():
            return None
        return key_id

    def csrf_token(self, value: str) -> str:
        return self._mac(f"csrf:{value}")

    def csrf_ok(self, value: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(value), token or "")
