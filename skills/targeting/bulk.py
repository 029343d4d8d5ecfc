"""Bulk work over tens of thousands of leads: pause Python's cyclic garbage collector meanwhile.

A bulk step allocates hundreds of thousands of small, acyclic objects (leads, verdicts, scores);
each allocation burst triggers a full cyclic collection that rescans all of them, which made a
100k ranking about 40% slower (bench/results/targeting.md). Reference counting still frees them;
only the cycle detector waits, and it is restored (if it was on) when the step ends.

Re-enabling alone would make the very next allocation pay for one full collection over
everything allocated meanwhile (about 0.2 s per million objects). ``freeze``/``unfreeze`` first
moves those objects to the oldest generation, where the next regular full collection still sees
them (cyclic garbage is found later, not never), so the step ends at once.
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
            gc.freeze()
            gc.unfreeze()
            gc.enable()
