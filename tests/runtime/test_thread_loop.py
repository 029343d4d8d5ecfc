"""A draft written on a worker thread leaves no open event loop behind (LangGraph runs branches on pool
threads; each left a loop that the garbage collector later failed to close, failing whatever ran then)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.models.test import TestModel
from runtime_support import lead_rows

from agents.brief import LeadBrief
from agents.thread_loop import ensure_thread_loop


def _on_a_worker_thread(work: Callable[[], Any]) -> asyncio.AbstractEventLoop:
    used: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        work()
        used.append(asyncio.get_event_loop_policy().get_event_loop())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert used, "the work did not finish"
    return used[0]


def test_an_agent_run_synchronously_on_a_worker_thread_closes_its_loop_when_the_thread_ends() -> None:
    agent = Agent(TestModel())

    def work() -> None:
        ensure_thread_loop()
        assert agent.run_sync("مرحبا").output

    assert _on_a_worker_thread(work).is_closed()


def test_the_copywriter_on_a_worker_thread_leaves_no_open_loop(make_ctx: Callable[..., Any]) -> None:
    ctx = make_ctx()
    row = lead_rows(1)[0]
    brief = LeadBrief(lead_id="l1", channel="email", language="ar", company_name=row["company_name"],
                      contact_name=row["contact_name"], title=row["title"], city=row["city"], sector=row["sector"])
    loop = _on_a_worker_thread(lambda: ctx.copywriter.write(brief))
    assert loop.is_closed()


def test_the_main_thread_keeps_asyncios_own_loop_handling() -> None:
    ensure_thread_loop()  # nothing set on the main thread: asyncio.run and friends behave as they always did
    assert asyncio.run(asyncio.sleep(0, result=1)) == 1
