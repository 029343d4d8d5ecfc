"""The threads that approval decisions run on, apart from every other request's.

A decision can wait for another one: answers to one graph thread take turns and share one resume
(:mod:`graphs.resume`), and a repeat of an answer waits for the answer ahead of it. Run on
Starlette's default pool (40 threads a process), twenty people approving one plan at once held
every thread with waiting decisions: the rest of the burst, the card feed and the reads queued for
a thread until the resume ended (a 200-request approve race: half a worker's requests started
after 1.2 s). Decisions therefore run on their own limiter of :data:`DECISION_THREADS` threads a
process; a waiting decision costs a sleeping thread, and the other endpoints keep their pool.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from graphs.resume import incoming

T = TypeVar("T")

DECISION_THREADS = 128  # per process: more than the approvals a burst can hold waiting at once

_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary())


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()  # a limiter belongs to one event loop (a test client makes its own)
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(DECISION_THREADS)
    return limiter


async def run_decision(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` on a decision thread. The decision is noted as it arrives, before a thread
    takes it up: a resume about to start waits for the rest of a burst (:func:`graphs.resume.incoming`)."""
    incoming()
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=_limiter())


__all__ = ["DECISION_THREADS", "run_decision"]
