"""One tenant's command feeds, served from the stored cards and re-synced only when something changed.

    cached(role, limit, types)                      never touches the store but for one version probe
      ├─ the store's data version moved since the last sync (a write) .......... None: the caller renders
      ├─ the last sync is older than ``2 × max_age`` (refreshes keep failing) .. None: the caller renders
      ├─ older than ``max_age`` ........ the feed rendered before, and one refresh starts in the background
      └─ otherwise ..................................................... the feed rendered before (bytes)

    render(role, limit, types)                      one thread per tenant at a time
      └─ sync from the gateway (pending approvals, new blocked attempts) unless nothing changed,
         read the open cards, render the feed as JSON bytes and keep it

The version is SQLite's ``PRAGMA data_version`` seen from a private connection, or on PostgreSQL the
store's change signal (:class:`tools.data_version.DataVersion`, :mod:`tools.pg_signal`; another
process's commit arrives with its notification): any commit to the gateway's store — a decision, a new
approval, an audit event, a card closed, from this process or another — moves it, so a feed is
never served from before a write that finished before the request began. A sync is tagged with
the version read *before* it: a write that lands while it runs makes the next caller sync again.
A sync's own writes (new or updated cards, their audit) move the version too, so a sync that wrote
runs once more at once (it then writes nothing) and is tagged with the version read before that
second pass: the callers after it find the feed settled instead of all syncing again.

``max_age`` bounds what no write announces: an approval expiring, or its card's urgency rising as
its deadline nears, happens with the passing of time alone. That refresh is stale-while-revalidate:
the first caller to find the feed older than ``max_age`` starts one refresh in the background
(``refresh_in_background``; a daemon thread by default) and, like every caller meanwhile, is
answered the feed rendered before; the refresh re-renders every feed that was asked for, then
swaps them in. So the periodic refresh never makes a request wait — under 200 clients the former
"one caller syncs, the rest wait at ``2 × max_age``" sent every open request to the thread pool at
once and put a 0.7–1.7 s spike in the feed's tail every ten seconds (bench/results/load.md). Only a
refresh that keeps failing lets a feed reach ``2 × max_age``; then callers render it themselves.

Rendered feeds are kept per (role, limit, types) of this tenant only; the cache object belongs to
one tenant's desk, so another tenant's or another role's feed cannot be served from it. Nothing is
cached when the version cannot be read (an in-memory store, a PostgreSQL listener not connected):
every call then syncs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from skills.cards.feed import build_feed
from skills.cards.models import Card, CardStatus, CardType
from skills.cards.service import CardService, PublishReport
from tools.data_version import DataVersion
from tools.models import Role

FeedKey = tuple[Role, int | None, tuple[CardType, ...] | None]
Runner = Callable[[Callable[[], None]], None]
_MAX_FEEDS = 256  # distinct (role, limit, types) kept per tenant; beyond it the rendered feeds are dropped

log = logging.getLogger("dealix.cards.feed")


def feed_key(role: Role, limit: int | None, types: Iterable[CardType] | None) -> FeedKey:
    return role, limit, tuple(sorted(set(types), key=lambda t: t.value)) if types is not None else None


def in_a_daemon_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="dealix-feed-refresh", daemon=True).start()


@dataclass
class _Generation:
    """What one sync produced: the open cards as of ``version``, and the feeds rendered from them."""

    version: int | None  # None: the store has no change signal, so nothing of it may be kept
    synced_at: float
    cards: list[Card]
    feeds: dict[FeedKey, bytes] = field(default_factory=dict)
    refreshing: bool = False
    retry_after: float = 0.0  # a failed background refresh is retried from then on


class FeedCache:
    def __init__(self, service: CardService, *, version: DataVersion | None = None, max_age_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 refresh_in_background: Runner = in_a_daemon_thread) -> None:
        self.service = service
        self.version = version if version is not None else DataVersion.of(service.gateway.store)
        self.max_age = max_age_seconds
        self._monotonic = monotonic
        self._run_in_background = refresh_in_background
        self._generation: _Generation | None = None
        self._lock = threading.Lock()  # one sync at a time
        self._claim = threading.Lock()  # one background refresh started per stale generation

    def cached(self, key: FeedKey) -> bytes | None:
        """The rendered feed for ``key`` if nothing was written since it was rendered; never blocks on the store.

        Older than ``max_age``: still answered, and a background refresh is started (once)."""
        generation = self._generation
        version = self.version.current()
        if version is None or generation is None or generation.version != version:
            return None
        age = self._monotonic() - generation.synced_at
        if age >= 2 * self.max_age:
            return None
        if age >= self.max_age:
            self._start_refresh(generation)
        return generation.feeds.get(key)

    def render(self, key: FeedKey) -> tuple[bytes, PublishReport]:
        """The feed as JSON bytes (``Feed``), syncing first when the store changed; and what this call's sync did."""
        with self._lock:
            version = self.version.current()
            generation = self._fresh(version)
            report = PublishReport()
            if generation is None:
                generation, report = self._sync(version)
                body = self._render(generation, key)
                self._publish(generation)
                return body, report
            if key in generation.feeds:
                return generation.feeds[key], report
            return self._render(generation, key), report

    def invalidate(self) -> None:
        """Forget every rendered feed: the next call syncs."""
        self._generation = None

    # ------------------------------------------------------------------------------------------ internals
    def _fresh(self, version: int | None) -> _Generation | None:
        generation = self._generation
        if (version is None or generation is None or generation.version != version
                or self._monotonic() - generation.synced_at >= self.max_age):
            return None
        return generation

    def _sync(self, version: int | None) -> tuple[_Generation, PublishReport]:
        """Sync (twice when the first pass wrote) and read the open cards: a generation not yet published."""
        report = self.service.sync()
        after = self.version.current()
        if version is not None and after is not None and after != version:
            version = after  # read before the second pass: that pass sees every write up to it
            report += self.service.sync()
        cards = self.service.store.cards(self.service.tenant, status=CardStatus.open)
        return _Generation(version=version, synced_at=self._monotonic(), cards=cards), report

    def _publish(self, generation: _Generation) -> None:
        self._generation = generation if generation.version is not None and self.max_age > 0 else None

    def _render(self, generation: _Generation, key: FeedKey) -> bytes:
        role, limit, types = key
        feed = build_feed(generation.cards, role, self.service.texts, now=self.service.clock(), limit=limit,
                          types=types)
        body = feed.model_dump_json().encode()
        if len(generation.feeds) >= _MAX_FEEDS:
            generation.feeds.clear()
        generation.feeds[key] = body
        return body

    def _start_refresh(self, stale: _Generation) -> None:
        with self._claim:
            if stale.refreshing or self._monotonic() < stale.retry_after:
                return
            stale.refreshing = True
        self._run_in_background(lambda: self._refresh(stale))

    def _refresh(self, stale: _Generation) -> None:
        """Sync, re-render every feed ``stale`` had, then swap them in together."""
        try:
            with self._lock:
                if self._generation is not stale:  # a caller synced meanwhile (after a write)
                    return
                fresh, _ = self._sync(self.version.current())
                for key in list(stale.feeds):  # callers keep ``stale`` until every feed they asked for is ready
                    self._render(fresh, key)
                self._publish(fresh)
        except Exception as error:  # the callers keep the feed; a stale read after max_age / 2 tries again
            stale.retry_after = self._monotonic() + self.max_age / 2
            log.warning("card feed refresh failed for a tenant: %s", type(error).__name__)
        finally:
            stale.refreshing = False
