"""What an answer does while it waits (issue 19: in a 200-request approve race, answers that could only be told
"already decided" still built a run context each and took turns of the thread one after another, and a
worker's second process kept its repeats until its own turn came, well after the other had decided them).

- An answer waiting for a thread that another process is resuming is told "already decided" as soon as that
  process decides its approval, without a turn and without the thread's lock.
- Repeats of an answer on its way in this process wait for it: one run context is built, one execution runs,
  the others get 409 ``already_decided``.
- What a resume approves is learned after its answers, on the learner's thread.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from runtime_support import TENANT, outbox_files

from agents import learning
from dealix.wiring import build_gateway
from graphs import inbox
from graphs.autopilot import build_autopilot_graph
from graphs.inbox import decide_approval
from graphs.resume import Flight, ResumeResult, resume, waiting_answers
from graphs.runtime import start_autopilot
from skills.targeting.factory import targeting_db_path
from skills.targeting.repository import TargetingRepository
from tools.errors import ApprovalError
from tools.memory import ExampleMemory, open_vector_store
from tools.models import ApprovalRequest, Caller, Role

MANAGER = Caller(user_id="u-manager", tenant=TENANT, role=Role.sales_manager)


@contextmanager
def another_process_resuming(lock_dir: Path, thread_id: str) -> Iterator[None]:
    """The thread's lock file held through a descriptor of its own, as another worker holds it while it
    resumes the thread (``flock`` locks of two descriptors conflict even in one process)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(thread_id.encode()).hexdigest()[:32]
    with (lock_dir / f"{name}.lock").open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class CountingGraph:
    def __init__(self, graph: Any) -> None:
        self._graph, self.invokes = graph, 0

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        self.invokes += 1
        return self._graph.invoke(*args, **kwargs)

    def get_state(self, *args: Any, **kwargs: Any) -> Any:
        return self._graph.get_state(*args, **kwargs)


def test_an_answer_waiting_on_another_process_is_told_already_decided_without_a_turn(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any) -> None:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    first = started.pending[0]
    lock_dir = settings.data_dir / "locks"
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)
    results: list[ResumeResult | BaseException] = []

    def answer() -> None:
        try:
            results.append(resume(graph, manager, first.approval_id, "approve", lock_dir=lock_dir))  # type: ignore[arg-type]
        except BaseException as exc:  # asserted below
            results.append(exc)

    with another_process_resuming(lock_dir, started.thread_id):
        waiter = threading.Thread(target=answer)
        waiter.start()
        deadline = time.monotonic() + 10
        while waiting_answers(started.thread_id) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert waiting_answers(started.thread_id) == 1
        # The other process decides it (here: the gateway, as that process's resume would).
        manager.gateway.resolve(first.approval_id, MANAGER, "reject", reason="ليس الآن")
        waiter.join(5)
        assert not waiter.is_alive(), "the answer waited for the lock after its approval was decided"
    [result] = results
    assert isinstance(result, ResumeResult), result
    assert result.already_decided and "رُفض" in result.message_ar
    assert graph.invokes == 0  # no turn: nothing of the thread ran for it
    assert waiting_answers(started.thread_id) == 0


def test_repeats_of_an_answer_on_its_way_build_no_context_and_get_409(
        settings: Any, make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)
    [approval] = started.pending
    route = inbox.ROUTES["autopilot"]
    contexts: list[str] = []

    def counting_context(services: Any, tenant: str, caller: Caller | None) -> Any:
        contexts.append(tenant)
        return route.context(services, tenant, caller)

    monkeypatch.setitem(inbox.ROUTES, "autopilot", inbox.Route(route.graph, counting_context))
    behind: list[Flight] = []
    waits = Flight.wait

    def counted_wait(self: Flight, timeout: float | None = None) -> bool:
        behind.append(self)
        return waits(self, timeout)

    monkeypatch.setattr(Flight, "wait", counted_wait)
    gateway = build_gateway(settings)
    outcomes: list[str] = []

    def approve() -> None:
        try:
            outcomes.append(decide_approval(settings=settings, gateway=gateway, checkpointer=checkpointer,
                                            caller=MANAGER, approval_id=approval.approval_id,
                                            verdict="approve").outcome or "")
        except ApprovalError as exc:
            outcomes.append(exc.code)

    with another_process_resuming(settings.data_dir / "locks", started.thread_id):
        first = threading.Thread(target=approve)
        first.start()
        deadline = time.monotonic() + 10
        while waiting_answers(started.thread_id) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        repeats = [threading.Thread(target=approve) for _ in range(4)]
        for repeat in repeats:
            repeat.start()
        while len(behind) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(behind) == 4  # every repeat waits behind the first, holding no context
    for thread in (first, *repeats):
        thread.join(30)
    assert sorted(outcomes) == ["already_decided"] * 4 + ["executed"]
    assert contexts == [TENANT]
    assert len(outbox_files(settings)) == 1


@dataclass
class HeldLearner:
    """The learner held busy until ``release`` is set; ``threads``: where each batch then ran."""

    release: threading.Event = field(default_factory=threading.Event)
    threads: list[str] = field(default_factory=list)


@pytest.fixture
def held_learner(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldLearner]:
    held = HeldLearner()
    real_run = learning._run

    def run(*args: Any) -> None:
        held.release.wait(10)
        held.threads.append(threading.current_thread().name)
        real_run(*args)

    monkeypatch.setattr(learning, "_run", run)
    yield held
    held.release.set()  # a failed test leaves no learner waiting
    learning.drain(10)


def _one_draft_approved(make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any,
                        settings: Any) -> ApprovalRequest:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=1)
    [approval] = started.pending
    result = resume(build_autopilot_graph(checkpointer), make_ctx(Role.sales_manager), approval.approval_id,
                    "approve", lock_dir=settings.data_dir / "locks")
    assert result.outcome is not None and result.outcome.status == "executed"
    return approval


def test_an_approved_draft_is_learned_after_the_answer_on_the_learner_thread(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any,
        held_learner: HeldLearner) -> None:
    approval = _one_draft_approved(make_ctx, checkpointer, leads_file, settings)
    memory = ExampleMemory(open_vector_store(settings))
    assert memory.for_contact(TENANT, approval.contact_id or "") == []  # answered before it was learned
    assert learning.queued() == 1
    held_learner.release.set()
    assert learning.drain(10)
    assert held_learner.threads and held_learner.threads[0].startswith("dealix-learner")
    [kept] = ExampleMemory(open_vector_store(settings)).for_contact(TENANT, approval.contact_id or "")
    assert kept.approval_id == approval.approval_id


def test_a_contact_erased_before_the_learner_gets_to_its_draft_leaves_no_example(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any,
        held_learner: HeldLearner, caplog: pytest.LogCaptureFixture) -> None:
    """An erasure run by another process (``dealix privacy erase``) cannot wait for this process's learner;
    the learner asks the lead directory again right before it learns."""
    caplog.set_level(logging.INFO, logger="dealix.learning")
    approval = _one_draft_approved(make_ctx, checkpointer, leads_file, settings)
    directory = TargetingRepository(targeting_db_path(settings))
    directory.erase_contact(TENANT, approval.contact_id or "", datetime.now(UTC))
    directory.close()
    held_learner.release.set()
    assert learning.drain(10)
    assert ExampleMemory(open_vector_store(settings)).for_contact(TENANT, approval.contact_id or "") == []
    assert "its contact was erased before the learner got to it" in caplog.text
