"""One object per process and key (a database URL), safe across ``fork``.

A registry keyed by the process id gives a forked child its own objects (a connection or a listener
thread does not survive a fork); its lock is replaced in the child, because a lock another thread
held at the fork would stay held there for good.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    def __init__(self, make: Callable[[str], T]) -> None:
        self._make = make
        self._items: dict[tuple[int, str], T] = {}
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()

    def get(self, key: str) -> T:
        """This process's object for ``key``, made on first use."""
        slot = (os.getpid(), key)
        with self._lock:
            found = self._items.get(slot)
            if found is None:
                found = self._items[slot] = self._make(key)
            return found


__all__ = ["PerProcess"]
