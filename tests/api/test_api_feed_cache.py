"""The card feed is served from the stored cards and re-synced only when the store changed: never stale
after a decision or a new approval, never another tenant's or role's feed, rate-limited on every path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import auth, fixed_clock, is_problem, issue_key, make_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from dealix.settings import Settings
from dealix.wiring import build_gateway
from skills.cards.feed_cache import FeedCache, feed_key
from skills.cards.service import CardService
from tools.gateway import Gateway
from tools.models import Role, ToolCall

pytestmark = pytest.mark.sqlite_only

FEED = "/api/v1/cards/feed"


def _crm_approval(gateway: Gateway, n: int, tenant: str = "acme") -> str:
    """A pending approval outside any graph (approvers: ceo, sales_manager, growth_manager)."""
    result = gateway.decide(ToolCall(tenant=tenant, skill="execution_governor", action="crm.update",
                                     args={"updates": [{"record_id": f"deal-{n}", "field": "stage",
                                                        "new": "proposal"}]},
                                     thread_id="api", tool_call_id=f"crm-{n}"))
    assert result.approval is not None
    return result.approval.approval_id


def _feed(client: TestClient, token: str, **params: str) -> dict[str, Any]:
    response = client.get(FEED, params=params, headers=auth(token))
    assert response.status_code == 200, response.text
    feed: dict[str, Any] = response.json()["feed"]
    return feed


def _approvals_in(feed: dict[str, Any]) -> set[str]:
    return {i["card"]["context"]["approval_id"] for i in feed["items"] if i["card"]["type"] == "approval"}


def _gateway(app: FastAPI) -> Gateway:
    gateway: Gateway = next(iter(app.state.services.values()))[1].gateway
    return gateway


def _count_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = CardService.sync

    def counted(self: CardService, **kwargs: Any) -> Any:
        calls.append(self.tenant)
        return real(self, **kwargs)

    monkeypatch.setattr(CardService, "sync", counted)
    return calls


def test_a_decision_through_the_api_closes_its_card_on_the_next_feed(
        app: FastAPI, client: TestClient, key: Callable[..., str]) -> None:
    token = key(role=Role.ceo)
    assert _feed(client, token)["items"] == []  # builds the services and the tenant's desk
    approval_id = _crm_approval(_gateway(app), 1)
    assert _approvals_in(_feed(client, token)) == {approval_id}
    assert _approvals_in(_feed(client, token)) == {approval_id}  # unchanged: from the cache
    decided = client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "approve"}, headers=auth(token))
    assert decided.status_code == 200, decided.text
    assert _approvals_in(_feed(client, token)) == set()


def test_a_new_approval_from_another_process_appears_on_the_next_feed(
        client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    token = key(role=Role.ceo)
    for _ in range(3):
        assert _feed(client, token)["items"] == []
    other_process = build_gateway(settings, clock=fixed_clock)  # its own connection, as the CLI would have
    approval_id = _crm_approval(other_process, 2)
    assert _approvals_in(_feed(client, token)) == {approval_id}


def test_the_feed_syncs_only_when_the_store_changed(
        app: FastAPI, client: TestClient, key: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    token = key(role=Role.ceo)
    _feed(client, token)
    _crm_approval(_gateway(app), 3)
    syncs = _count_syncs(monkeypatch)
    for _ in range(4):  # the first syncs; its own writes (cards, their audit) cost a sync or two more
        _feed(client, token)
    settled = len(syncs)
    assert 1 <= settled <= 3
    for _ in range(10):
        _feed(client, token)
    assert len(syncs) == settled, "nothing changed, yet the feed was re-synced"
    _crm_approval(_gateway(app), 4)
    assert len(_approvals_in(_feed(client, token))) == 2
    assert len(syncs) == settled + 1


def test_each_tenant_and_role_gets_its_own_feed(app: FastAPI, client: TestClient, key: Callable[..., str]) -> None:
    acme_ceo, acme_support, rival_ceo = key(role=Role.ceo), key(role=Role.support), key("rival", Role.ceo)
    _feed(client, acme_ceo)
    approval_id = _crm_approval(_gateway(app), 5)
    for _ in range(3):  # acme's feeds rendered and cached first
        assert _approvals_in(_feed(client, acme_ceo)) == {approval_id}
    assert _feed(client, rival_ceo)["items"] == []
    support = _feed(client, acme_support)
    assert support["role"] == "support" and _approvals_in(support) == set()  # support may not approve crm.update
    as_support = _feed(client, acme_ceo, role="support")
    assert as_support["role"] == "support" and _approvals_in(as_support) == set()
    assert _approvals_in(_feed(client, acme_ceo, role="sales_manager")) == {approval_id}
    is_problem(client.get(FEED, params={"role": "ceo"}, headers=auth(acme_support)), 403, "feed_role_not_allowed")
    assert _approvals_in(_feed(client, acme_ceo)) == {approval_id}


def test_the_cached_answer_is_the_routes_answer(client: TestClient, key: Callable[..., str], app: FastAPI) -> None:
    token = key(role=Role.ceo)
    _crm_approval(build_gateway(app.state.settings, clock=fixed_clock), 6)
    first = client.get(FEED, params={"limit": "5"}, headers=auth(token))
    assert first.json()["refreshed"]["new"] == 1
    for _ in range(3):
        client.get(FEED, params={"limit": "5"}, headers=auth(token))
    fast = client.get(FEED, params={"limit": "5"}, headers=auth(token))
    # A repeated parameter is left to the route (it takes the last value): the same feed, by the framework.
    routed = client.get(FEED, params=[("limit", "7"), ("limit", "5")], headers=auth(token))
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content and fast.json()["refreshed"] == {"new": 0, "updated": 0, "refused": 0}
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert fast.headers["x-content-type-options"] == "nosniff"  # inside the security headers
    is_problem(client.get(FEED, params={"limit": "0"}, headers=auth(token)), 422, "validation_failed")


def test_every_cached_answer_takes_a_rate_limit_token(tmp_path: Any) -> None:
    settings = make_settings(tmp_path, api_rate_limit=4)
    token = issue_key(settings, "acme", Role.ceo)
    with TestClient(create_app(settings, clock=fixed_clock)) as client:
        statuses = [client.get(FEED, headers=auth(token)).status_code for _ in range(6)]
        assert statuses == [200, 200, 200, 200, 429, 429]
        limited = client.get(FEED, headers=auth(token))
        is_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1


def test_when_only_time_passed_one_request_refreshes_while_the_others_keep_the_feed(settings: Settings) -> None:
    gateway = build_gateway(settings, clock=fixed_clock)
    now = [100.0]
    cache = FeedCache(CardService("acme", gateway=gateway, clock=fixed_clock), max_age_seconds=5.0,
                      monotonic=lambda: now[0])
    key = feed_key(Role.ceo, 20, None)
    rendered, _ = cache.render(key)
    assert cache.cached(key) == rendered
    now[0] += 6  # older than max_age, nothing written
    assert cache.cached(key) is None  # this caller syncs
    assert cache.cached(key) == rendered  # the others are not held up meanwhile
    now[0] += 5  # twice max_age and still not refreshed: nobody gets it any more
    assert cache.cached(key) is None and cache.cached(key) is None
    cache.render(key)
    _crm_approval(gateway, 7)  # a write: nobody gets the old feed, however young
    assert cache.cached(key) is None and cache.cached(key) is None
    assert '"approval"' in cache.render(key)[0].decode()
