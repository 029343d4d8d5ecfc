"""API rate limits shared by every worker (issue 19: with two workers 257 requests passed a 120-per-minute limit)."""

from __future__ import annotations

import socket
import uuid

import pytest

from api.limits import KeyRateLimiter, SharedKeyRateLimiter, build_rate_limiter

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@needs_redis
def test_two_workers_together_let_through_at_most_the_limit() -> None:
    workers = [SharedKeyRateLimiter(limit=5, per_seconds=60, storage_url=REDIS) for _ in range(2)]
    key = f"key-{uuid.uuid4().hex}"
    answers = [workers[i % 2].hit(key) for i in range(20)]
    assert sum(answer is None for answer in answers) == 5
    assert answers[:5] == [None] * 5
    refused = [answer for answer in answers if answer is not None]
    assert all(0 < wait <= 60 for wait in refused)  # Retry-After: when the window lets one through


@needs_redis
def test_each_key_has_its_own_window() -> None:
    limiter = SharedKeyRateLimiter(limit=1, per_seconds=60, storage_url=REDIS)
    first, second = f"a-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"
    assert limiter.hit(first) is None and limiter.hit(second) is None
    assert limiter.hit(first) is not None


def test_unreachable_storage_falls_back_to_the_workers_own_bucket() -> None:
    limiter = SharedKeyRateLimiter(limit=2, per_seconds=60, storage_url="redis://127.0.0.1:1/0")
    answers = [limiter.hit("k") for _ in range(3)]
    assert answers[:2] == [None, None] and answers[2] is not None


def test_in_process_buckets_stay_the_default() -> None:
    assert isinstance(build_rate_limiter(limit=5, per_seconds=60, storage_url=None), KeyRateLimiter)
    assert isinstance(build_rate_limiter(limit=5, per_seconds=60, storage_url=REDIS), SharedKeyRateLimiter)
