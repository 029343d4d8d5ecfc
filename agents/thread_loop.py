"""An event loop for each worker thread that runs an agent synchronously, closed when the thread ends.

``Agent.run_sync`` runs on the calling thread's event loop and, in a thread without one, makes one
and leaves it there. LangGraph runs branches on short-lived pool threads, so every branch that
wrote a draft left a loop behind for the garbage collector; collected in a reference cycle, its
socket pair could be finalised before it, and closing it then raised ``ValueError: Invalid file
descriptor: -1`` inside whatever happened to run (in the tests: another test, failed as an
unraisable exception). :func:`ensure_thread_loop` gives such a thread a loop owned by the thread's
local storage, which CPython clears when the thread ends: the loop is closed then, in order.
"""

from __future__ import annotations

import asyncio
import threading

_owned = threading.local()


class _Owned:
    """This thread's loop; closed when the thread's local storage is cleared at its end."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        if not self.loop.is_closed():
            self.loop.close()


def ensure_thread_loop() -> None:
    """Before ``run_sync`` on a thread other than the main one: give it a loop that closes with it,
    unless it has an open one already (the main thread keeps asyncio's own behaviour)."""
    if threading.current_thread() is threading.main_thread():
        return
    current = getattr(_owned, "owned", None)
    if current is not None and not current.loop.is_closed():
        asyncio.set_event_loop(current.loop)
        return
    owned = _owned.owned = _Owned()
    asyncio.set_event_loop(owned.loop)
