"""Verified API keys are kept in memory (no HMAC, no read per request) but a revocation bites at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import SUNDAY_10_RIYADH, auth, is_problem
from fastapi.testclient import TestClient

from api.key_cache import VerifiedKeys, verified_keys
from api.keys import ApiKeyStore, key_store_for
from dealix.settings import Settings
from tools.models import Role

pytestmark = pytest.mark.sqlite_only

FEED = "/api/v1/cards/feed"


def _key_id(token: str) -> str:
    return token.split("_", 2)[1]


@pytest.mark.parametrize("path", [FEED, "/api/v1/approvals"])
def test_a_revoked_key_is_refused_on_the_next_request(client: TestClient, key: Callable[..., str],
                                                      settings: Settings, path: str) -> None:
    token = key(role=Role.ceo)
    for _ in range(3):
        assert client.get(path, headers=auth(token)).status_code == 200
    assert key_store_for(settings).revoke(_key_id(token), now=SUNDAY_10_RIYADH)
    is_problem(client.get(path, headers=auth(token)), 401, "unauthenticated")


def test_a_revocation_by_another_process_is_seen_at_once(client: TestClient, key: Callable[..., str],
                                                         settings: Settings) -> None:
    token = key(role=Role.ceo)
    for _ in range(3):
        assert client.get(FEED, headers={"X-API-Key": token}).status_code == 200
    elsewhere = ApiKeyStore(settings.data_dir / "api_keys.db", signing_key=settings.signing_key())  # the CLI's own
    assert elsewhere.revoke(_key_id(token), now=SUNDAY_10_RIYADH)
    is_problem(client.get(FEED, headers={"X-API-Key": token}), 401, "unauthenticated")


def test_a_known_key_is_answered_from_memory_until_the_store_changes(
        settings: Settings, key: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    token = key(role=Role.ceo)
    store = key_store_for(settings)
    cache = VerifiedKeys(store)
    first = cache.verify(token)
    assert first is not None and first.caller.role == Role.ceo
    asked: list[str] = []
    real_verify = store.verify

    def spy(presented: str) -> Any:
        asked.append(presented)
        return real_verify(presented)

    monkeypatch.setattr(store, "verify", spy)
    assert cache.verify(token) == first and asked == []
    key("acme", Role.support)  # any write to the key store: the cache starts over
    assert cache.verify(token) == first and len(asked) == 1


def test_only_verified_keys_are_kept_and_never_in_plain(settings: Settings, key: Callable[..., str]) -> None:
    token = key(role=Role.ceo)
    cache = VerifiedKeys(key_store_for(settings))
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert cache.verify(wrong) is None and cache.verify("dx_nope_nope") is None and len(cache) == 0
    assert cache.verify(token) is not None and len(cache) == 1
    kept = repr(vars(cache))
    assert token not in kept and token.split("_", 2)[2] not in kept


def test_one_cache_per_store(settings: Settings) -> None:
    assert verified_keys(key_store_for(settings)) is verified_keys(key_store_for(settings))


def test_the_memory_only_lookup_never_answers_for_an_unverified_or_changed_store(
        settings: Settings, key: Callable[..., str]) -> None:
    token = key(role=Role.ceo)
    cache = VerifiedKeys(key_store_for(settings))
    assert cache.cached(token) is None  # never verified: the caller must verify (off the event loop)
    verified = cache.verify(token)
    assert verified is not None and cache.cached(token) == verified
    assert key_store_for(settings).revoke(_key_id(token), now=SUNDAY_10_RIYADH)
    assert cache.cached(token) is None and cache.verify(token) is None
