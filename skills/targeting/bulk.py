"""Bulk work over tens of thousands of leads: pause Python's cyclic garbage collector meanwhile.

A bulk step allocates hundreds of thousands of small, acyclic objects (leads, verdicts, scores);
each allocation burst triggers a full cyclic collection that rescans all of them, which made a
100k ranking about 40% slower (bench/results/targeting.md). Reference counting still frees them;
only the cycle detector waits, and it is restored (if it was on) when the step ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
