"""The card feed is served from the stored cards and re-synced only when the store changed: never stale
after a decision or a new approval, never another tenant's or role's feed, rate-limited on every path."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from api_support import SUNDAY_10_RIYADH, auth, fixed_clock, is_problem, issue_key, make_settings
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


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    """No refresh by age unless a test asks for one: the sync counts here are about writes, on any host speed."""
    return make_settings(tmp_path, card_feed_max_age_seconds=3600)


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
    _feed(client, token)  # a sync that wrote (the card, its audit) runs a second pass at once, which writes nothing
    assert len(syncs) == 2
    for _ in range(10):
        _feed(client, token)
    assert len(syncs) == 2, "nothing changed, yet the feed was re-synced"
    _crm_approval(_gateway(app), 4)
    assert len(_approvals_in(_feed(client, token))) == 2
    for _ in range(5):
        _feed(client, token)
    assert len(syncs) == 4


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


class _Clocks:
    """A monotonic clock and a wall clock the test moves together, and the background refreshes it holds back."""

    def __init__(self) -> None:
        self.seconds = 100.0
        self.queued: list[Callable[[], None]] = []

    def monotonic(self) -> float:
        return self.seconds

    def wall(self) -> datetime:
        return SUNDAY_10_RIYADH + timedelta(seconds=self.seconds)

    def run_queued(self) -> None:
        work = list(self.queued)
        self.queued.clear()
        for job in work:
            job()


def _timed_cache(settings: Settings, clocks: _Clocks) -> tuple[FeedCache, Gateway]:
    gateway = build_gateway(settings, clock=fixed_clock)
    cache = FeedCache(CardService("acme", gateway=gateway, clock=clocks.wall), max_age_seconds=5.0,
                      monotonic=clocks.monotonic, refresh_in_background=clocks.queued.append)
    return cache, gateway


def _generated_at(body: bytes | None) -> str:
    assert body is not None
    generated: str = json.loads(body)["generated_at"]
    return generated


def test_when_only_time_passed_every_caller_keeps_the_feed_while_one_refresh_runs_in_the_background(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = _Clocks()
    cache, _ = _timed_cache(settings, clocks)
    key, other = feed_key(Role.ceo, 20, None), feed_key(Role.ceo, 5, None)
    rendered, _ = cache.render(key)
    cache.render(other)
    clocks.seconds += 6  # older than max_age, nothing written
    assert [cache.cached(key) for _ in range(3)] == [rendered] * 3  # nobody waits, nobody is sent to render
    assert len(clocks.queued) == 1  # one refresh for all of them
    syncs = _count_syncs(monkeypatch)
    clocks.run_queued()
    assert syncs == ["acme"]
    assert _generated_at(cache.cached(key)) > _generated_at(rendered)  # re-rendered and swapped in
    assert _generated_at(cache.cached(other)) == _generated_at(cache.cached(key))  # every feed asked for
    assert clocks.queued == []  # young again: no refresh


def test_a_refresh_that_fails_keeps_the_feed_and_is_retried_until_twice_max_age(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = _Clocks()
    cache, _ = _timed_cache(settings, clocks)
    key = feed_key(Role.ceo, 20, None)
    rendered, _ = cache.render(key)

    def broken(self: CardService, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(CardService, "sync", broken)
    clocks.seconds += 6
    assert cache.cached(key) == rendered
    clocks.run_queued()  # fails, logged; the feed stays
    assert cache.cached(key) == rendered and clocks.queued == []  # not retried at once
    clocks.seconds += 2.6  # max_age / 2 after the failure
    assert cache.cached(key) == rendered and len(clocks.queued) == 1
    clocks.run_queued()
    clocks.seconds += 1.4  # twice max_age since the last good sync: the caller renders it
    assert cache.cached(key) is None


def test_a_write_sends_callers_to_render_however_young_the_feed(settings: Settings) -> None:
    clocks = _Clocks()
    cache, gateway = _timed_cache(settings, clocks)
    key = feed_key(Role.ceo, 20, None)
    cache.render(key)
    _crm_approval(gateway, 7)
    assert cache.cached(key) is None and cache.cached(key) is None and clocks.queued == []
    assert '"approval"' in cache.render(key)[0].decode()


def test_a_sync_that_wrote_settles_at_once_so_the_next_callers_are_served_from_the_cache(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = _Clocks()
    cache, gateway = _timed_cache(settings, clocks)
    key = feed_key(Role.ceo, 20, None)
    cache.render(key)
    _crm_approval(gateway, 8)
    syncs = _count_syncs(monkeypatch)
    body, report = cache.render(key)  # the first pass writes the new card (and its audit), the second nothing
    assert report.new == 1 and len(syncs) == 2
    assert cache.cached(key) == body and len(syncs) == 2


def test_past_max_age_the_feed_route_refreshes_in_the_background(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the app, fast path and route together: a feed older than max_age is still answered from the
    cache, and one sync runs off the request path (the route once served the stale feed to the caller
    meant to refresh it, and nobody synced until twice max_age, when every open request did)."""
    settings = make_settings(tmp_path, card_feed_max_age_seconds=0.3)
    token = issue_key(settings, "acme", Role.ceo)
    with TestClient(create_app(settings, clock=fixed_clock)) as client:
        _feed(client, token)
        _feed(client, token)
        threads: list[str] = []
        real = CardService.sync

        def counted(self: CardService, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return real(self, **kwargs)

        monkeypatch.setattr(CardService, "sync", counted)
        time.sleep(0.35)
        _feed(client, token)
        deadline = time.monotonic() + 10
        while not threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert threads == ["dealix-feed-refresh"]
        _feed(client, token)
        assert threads == ["dealix-feed-refresh"]
