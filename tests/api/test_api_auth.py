"""API keys (hashed, per user, tenant and role), console sessions with CSRF, and per-key rate limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta

import pytest
from api_support import SUNDAY_10_RIYADH, auth, fixed_clock, is_problem
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import ApiKeyStore, key_store_for
from api.limits import KeyRateLimiter
from api.session import COOKIE, SessionSigner
from dealix.settings import Settings
from tools.models import Role


@pytest.mark.sqlite_only
def test_a_key_is_stored_only_as_a_keyed_hash(settings: Settings) -> None:
    store = key_store_for(settings)
    issued = store.create(user_id="sara", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH)
    secret = issued.key.split("_", 2)[2]
    raw = (settings.data_dir / "api_keys.db").read_bytes()
    with sqlite3.connect(settings.data_dir / "api_keys.db") as conn:
        rows = conn.execute("SELECT * FROM api_keys").fetchall()
    assert secret.encode() not in raw and all(secret not in str(r) for r in rows)
    assert store.authenticate(issued.key) == issued.caller


def test_a_key_checks_against_the_deployments_signing_key(settings: Settings, tmp_path: object) -> None:
    issued = key_store_for(settings).create(user_id="sara", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH)
    other = ApiKeyStore(settings.data_dir / "api_keys.db", signing_key=b"another-deployment-key-0000000000")
    assert other.authenticate(issued.key) is None  # a copied database is no use without the key


@pytest.mark.parametrize("tamper", [lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), lambda k: k.upper(),
                                    lambda k: k + "x", lambda k: k.replace("dx_", "dy_")])
def test_a_tampered_key_is_refused(settings: Settings, tamper: Callable[[str], str]) -> None:
    issued = key_store_for(settings).create(user_id="sara", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH)
    assert key_store_for(settings).authenticate(tamper(issued.key)) is None


def test_a_revoked_key_stops_working_at_once(client: TestClient, settings: Settings) -> None:
    store = key_store_for(settings)
    issued = store.create(user_id="sara", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH)
    assert client.get("/api/v1/approvals", headers=auth(issued.key)).status_code == 200
    assert store.revoke(issued.key_id, now=SUNDAY_10_RIYADH)
    is_problem(client.get("/api/v1/approvals", headers=auth(issued.key)), 401, "unauthenticated")


@pytest.mark.parametrize(("tenant", "user"), [("Acme", "u"), ("acme:x", "u"), ("", "u"), ("acme", "a b"),
                                              ("acme", "a:b"), ("../etc", "u")])
def test_tenant_and_user_ids_are_validated(settings: Settings, tenant: str, user: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        key_store_for(settings).create(user_id=user, tenant=tenant, role=Role.ceo, now=SUNDAY_10_RIYADH)


def test_x_api_key_header_works_like_bearer(client: TestClient, key: Callable[..., str]) -> None:
    assert client.get("/api/v1/drafts", headers={"X-API-Key": key()}).status_code == 200


# ------------------------------------------------------------------------------------ rate limits
def test_the_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = KeyRateLimiter(limit=2, per_seconds=10, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait is not None and 4.9 < wait <= 5.0
    assert limiter.hit("b") is None  # another key has its own bucket
    now[0] = 5.0
    assert limiter.hit("a") is None and limiter.hit("a") is not None


def test_over_the_limit_a_key_gets_429_with_retry_after(tmp_path: object, settings: Settings) -> None:
    limited = settings.model_copy(update={"api_rate_limit": 3, "api_rate_window_seconds": 60})
    with TestClient(create_app(limited, clock=fixed_clock)) as client:
        first = key_store_for(limited).create(user_id="a", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH).key
        second = key_store_for(limited).create(user_id="b", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH).key
        assert [client.get("/api/v1/drafts", headers=auth(first)).status_code for _ in range(3)] == [200] * 3
        response = client.get("/api/v1/drafts", headers=auth(first))
        is_problem(response, 429, "rate_limited")
        assert 1 <= int(response.headers["retry-after"]) <= 20
        assert client.get("/api/v1/drafts", headers=auth(second)).status_code == 200
        assert client.get("/api/v1/health").status_code == 200  # unauthenticated probes are not limited per key


# ------------------------------------------------------------------------------------ console sessions
def _login(client: TestClient, key: str) -> str:
    response = client.post("/console/login", data={"api_key": key}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    return client.cookies[COOKIE]


def test_a_console_session_authenticates_api_reads(client: TestClient, key: Callable[..., str]) -> None:
    session = _login(client, key())
    assert "." in session and "dx_" not in session  # the cookie names the key id, never the key
    assert client.get("/api/v1/approvals").status_code == 200


def test_cookie_writes_need_the_csrf_token(client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    session = _login(client, key())
    is_problem(client.post("/api/v1/threads", json={}), 403, "csrf_failed")
    is_problem(client.post("/api/v1/threads", json={}, headers={"X-CSRF-Token": "forged"}), 403, "csrf_failed")
    token = SessionSigner(settings.signing_key(), max_age=timedelta(hours=1)).csrf_token(session)
    assert client.post("/api/v1/threads", json={}, headers={"X-CSRF-Token": token}).status_code == 201


def test_a_forged_or_expired_session_is_401(client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    session = _login(client, key())
    key_id, issued, mac = session.split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, f"{key_id}.{int(issued) + 1}.{mac}")
    is_problem(client.get("/api/v1/approvals"), 401)
    old = SessionSigner(settings.signing_key(), max_age=timedelta(hours=12)).issue(
        key_id, SUNDAY_10_RIYADH - timedelta(hours=13))
    client.cookies.clear()
    client.cookies.set(COOKIE, old)
    is_problem(client.get("/api/v1/approvals"), 401)


def test_revoking_the_key_ends_its_console_sessions(client: TestClient, settings: Settings) -> None:
    issued = key_store_for(settings).create(user_id="sara", tenant="acme", role=Role.ceo, now=SUNDAY_10_RIYADH)
    _login(client, issued.key)
    key_store_for(settings).revoke(issued.key_id, now=SUNDAY_10_RIYADH)
    is_problem(client.get("/api/v1/approvals"), 401)
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/login"


def test_a_wrong_key_at_login_is_refused_without_a_cookie(client: TestClient) -> None:
    response = client.post("/console/login", data={"api_key": "dx_abc_def"}, follow_redirects=False)
    assert response.status_code == 401 and COOKIE not in response.headers.get("set-cookie", "")
    assert "غير صالح" in response.text

