"""The learner: what a resume approved is learned after its answers, in order, on one background thread."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any

import pytest

from agents import learning
from agents.learning import Later


def test_a_batch_runs_in_order_on_the_learner_held_once_and_a_failure_stops_no_other(
        caplog: pytest.LogCaptureFixture) -> None:
    ran: list[tuple[str, str]] = []
    holds: list[str] = []

    @contextmanager
    def hold() -> Any:
        holds.append("open")
        yield
        holds.append("closed")

    def job(name: str) -> Any:
        return lambda: ran.append((name, threading.current_thread().name))

    def broken() -> None:
        raise RuntimeError("boom")

    later = Later(hold=hold)
    for item in (job("a"), broken, job("b")):
        later.add(item)
    assert len(later) == 3
    assert later.start() is not None
    assert learning.drain(10)
    assert [name for name, _ in ran] == ["a", "b"]
    assert all(thread.startswith("dealix-learner") for _, thread in ran)
    assert holds == ["open", "closed"]
    assert "learning an approved draft failed" in caplog.text
    assert len(later) == 0 and later.start() is None  # handed over: nothing is learned twice


def test_the_learner_waits_for_a_quiet_moment_but_not_for_ever(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = threading.Event()
    busy.set()
    ran: list[float] = []
    later = Later()
    later.add(lambda: ran.append(time.monotonic()))
    began = time.monotonic()
    later.start(quiet=lambda: not busy.is_set())
    time.sleep(0.2)
    assert ran == []  # the process is answering someone: the learner waits
    busy.clear()
    assert learning.drain(10)
    assert ran and ran[0] - began >= 0.2

    monkeypatch.setattr(learning, "QUIET_WAIT", 0.1)
    never: list[float] = []
    later.add(lambda: never.append(time.monotonic()))
    began = time.monotonic()
    later.start(quiet=lambda: False)
    assert learning.drain(10)
    assert never and never[0] - began < 5  # a process that is never quiet still learns


def test_the_learner_yields_between_drafts_to_answers_that_arrive_meanwhile() -> None:
    busy = threading.Event()
    ran: list[str] = []
    later = Later()
    later.add(lambda: (ran.append("first"), busy.set()))  # an answer arrives while the first draft is learned
    later.add(lambda: ran.append("second"))
    later.start(quiet=lambda: not busy.is_set())
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert ran == ["first"]  # the second waits while the process answers someone
    busy.clear()
    assert learning.drain(10)
    assert ran == ["first", "second"]
