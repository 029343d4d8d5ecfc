"""One tenant's command feeds, served from the stored cards and re-synced only when something changed.

    feed(role, limit, types)
      ├─ the gateway store's data version is the one the last sync started at, and that sync is
      │  younger than ``max_age`` ........................ the feed rendered before (JSON bytes)
      │                                                    or rendered now from the cards kept in memory
      └─ otherwise (one thread per tenant at a time) ..... sync from the gateway (pending approvals,
                                                           new blocked attempts), read the open cards, render

The version is SQLite's ``PRAGMA data_version`` seen from a private connection
(:class:`tools.data_version.DataVersion`): any commit to the gateway's store — a decision, a new
approval, an audit event, a card closed, from this process or another — moves it, so a feed is
never served from before a write that finished before the request began. It is read *before* the
sync, so the sync's own writes (and anyone's that land during it) make the next request sync once
more, which then writes nothing and leaves a stable version.

``max_age`` bounds what no write announces: an approval expiring, or its card's urgency rising as
its deadline nears, happens with the passing of time alone. When only time has passed, one
request syncs while the others are still served the feed rendered before (never older than
``2 × max_age``), so the periodic refresh does not make every client wait at once. Rendered feeds are kept per
(role, limit, types) of this tenant only; the cache object belongs to one tenant's desk, so another
tenant's or another role's feed cannot be served from it. Nothing is cached when the version
cannot be read (an in-memory or non-SQLite store): every call then syncs, as before.
"""

from __future__ import annotations

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
_MAX_FEEDS = 256  # distinct (role, limit, types) kept per tenant; beyond it the rendered feeds are dropped


def feed_key(role: Role, limit: int | None, types: Iterable[CardType] | None) -> FeedKey:
    return role, limit, tuple(sorted(set(types), key=lambda t: t.value)) if types is not None else None


@dataclass
class _Generation:
    """What one sync produced: the open cards as of ``version``, and the feeds rendered from them."""

    version: int
    synced_at: float
    cards: list[Card]
    feeds: dict[FeedKey, bytes] = field(default_factory=dict)
    refresh_claimed_at: float | None = None


class FeedCache:
    def __init__(self, service: CardService, *, version: DataVersion | None = None, max_age_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.version = version if version is not None else DataVersion.of(service.gateway.store)
        self.max_age = max_age_seconds
        self._monotonic = monotonic
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    def _fresh(self, version: int | None) -> _Generation | None:
        generation = self._generation
        if (version is None or generation is None or generation.version != version
                or self._monotonic() - generation.synced_at >= self.max_age):
            return None
        return generation

    def cached(self, key: FeedKey) -> bytes | None:
        """The rendered feed for ``key`` if nothing changed since it was rendered; never blocks on the store.

        When only ``max_age`` has passed (the store did not change), one caller is sent to
        :meth:`render` to sync and the others keep getting the feed rendered before until it has
        (for at most another ``max_age``): a periodic refresh does not stall every client at once.
        After a write nobody gets the old feed."""
        generation = self._generation
        version = self.version.current()
        if version is None or generation is None or generation.version != version:
            return None
        now = self._monotonic()
        if now - generation.synced_at >= self.max_age:
            claimed = generation.refresh_claimed_at
            if claimed is None or now - claimed >= self.max_age or now - generation.synced_at >= 2 * self.max_age:
                generation.refresh_claimed_at = now
                return None
        return generation.feeds.get(key)

    def render(self, key: FeedKey) -> tuple[bytes, PublishReport]:
        """The feed as JSON bytes (``Feed``), syncing first when the store changed; and what this call's sync did."""
        with self._lock:
            version = self.version.current()
            generation = self._fresh(version)
            report = PublishReport()
            if generation is None:
                report = self.service.sync()
                cards = self.service.store.cards(self.service.tenant, status=CardStatus.open)
                generation = _Generation(version=version if version is not None else -1,
                                         synced_at=self._monotonic(), cards=cards)
                self._generation = generation if version is not None and self.max_age > 0 else None
            elif key in generation.feeds:
                return generation.feeds[key], report
            role, limit, types = key
            feed = build_feed(generation.cards, role, self.service.texts, now=self.service.clock(), limit=limit,
                              types=types)
            body = feed.model_dump_json().encode()
            if len(generation.feeds) >= _MAX_FEEDS:
                generation.feeds.clear()
            generation.feeds[key] = body
            return body, report

    def invalidate(self) -> None:
        """Forget every rendered feed: the next call syncs."""
        self._generation = None
