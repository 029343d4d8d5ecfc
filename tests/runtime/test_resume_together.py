"""Answers that wait on one thread are carried by one resume (issue 19: twenty approvals of one autopilot
thread resumed it twenty times in a row, each re-entering every branch still waiting; the race's p99 was 5 s).

Each answer keeps its own approver (the person its own request authenticated), its own result, and its own
failure; a repeat of an answer finds it decided; nothing runs twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from runtime_support import TENANT, outbox_files

from graphs.autopilot import build_autopilot_graph
from graphs.resume import ResumeResult, resume, thread_lock, waiting_answers
from graphs.runtime import start_autopilot
from tools.errors import RoleNotAllowed
from tools.models import Role


class CountingGraph:
    """The autopilot graph, counting the resumes (invokes) that reach it."""

    def __init__(self, graph: Any) -> None:
        self._graph = graph
        self.invokes = 0

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        self.invokes += 1
        return self._graph.invoke(*args, **kwargs)

    def get_state(self, *args: Any, **kwargs: Any) -> Any:
        return self._graph.get_state(*args, **kwargs)


def _answer_together(graph: CountingGraph, thread_id: str, lock_dir: Any,
                     answers: list[tuple[Any, str, str, dict[str, Any]]]) -> list[ResumeResult | BaseException]:
    """Queue every answer while the thread is held, then let them go: one turn carries them all."""
    results: list[ResumeResult | BaseException | None] = [None] * len(answers)

    def answer(i: int, ctx: Any, approval_id: str, decision: str, extra: dict[str, Any]) -> None:
        try:
            results[i] = resume(graph, ctx, approval_id, decision, lock_dir=lock_dir, **extra)  # type: ignore[arg-type]
        except BaseException as exc:  # asserted by the test
            results[i] = exc

    workers = [threading.Thread(target=answer, args=(i, *a)) for i, a in enumerate(answers)]
    with thread_lock(thread_id, lock_dir):
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 10
        while waiting_answers(thread_id) < len(answers) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert waiting_answers(thread_id) == len(answers)
    for worker in workers:
        worker.join(30)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def _approvers(ctx: Any) -> dict[str, tuple[str, str]]:
    """approval id → (audit kind, actor) of each decision recorded in the audit chain."""
    import json

    with ctx.gateway.store.read() as conn:
        rows = conn.execute("SELECT kind, actor, payload FROM audit_events WHERE kind LIKE 'approval_%'").fetchall()
    return {json.loads(r[2]).get("approval_id"): (r[0], r[1]) for r in rows if r[0] != "approval_requested"}


def test_answers_waiting_on_one_thread_run_in_one_resume_each_with_its_own_approver(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any) -> None:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=3)
    first, second, third = started.pending
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    ceo, manager = make_ctx(Role.ceo), make_ctx(Role.sales_manager)
    lock_dir = settings.data_dir / "locks"

    results = _answer_together(graph, started.thread_id, lock_dir, [
        (ceo, first.approval_id, "approve", {}),
        (manager, second.approval_id, "reject", {"reason": "ليس هذا الأسبوع"}),
        (manager, third.approval_id, "approve", {}),
    ])

    assert graph.invokes == 1, "three answers waiting on one thread: one resume"
    done = {r.approval_id: r for r in results if isinstance(r, ResumeResult)}
    assert len(done) == 3, results
    assert done[first.approval_id].outcome.status == "executed"
    assert done[second.approval_id].outcome.status == "rejected"
    assert "ليس هذا الأسبوع" in done[second.approval_id].message_ar
    assert done[third.approval_id].outcome.status == "executed"
    assert len(outbox_files(settings)) == 2
    decided = _approvers(manager)  # each decision is recorded against the person who gave it, not the first
    assert decided[first.approval_id][1] == "user-ceo"
    assert decided[second.approval_id][1] == "user-sales_manager"
    assert decided[third.approval_id][1] == "user-sales_manager"


def test_a_repeat_of_an_answer_in_the_same_turn_finds_it_decided_and_runs_nothing(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any) -> None:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    approval = started.pending[0]
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)

    results = _answer_together(graph, started.thread_id, settings.data_dir / "locks", [
        (manager, approval.approval_id, "approve", {}),
        (make_ctx(Role.ceo), approval.approval_id, "approve", {}),
        (manager, approval.approval_id, "reject", {"reason": "مكرر"}),
    ])

    answered = [r for r in results if isinstance(r, ResumeResult)]
    assert len(answered) == 3, results
    assert [r.already_decided for r in answered].count(False) == 1
    winner = next(r for r in answered if not r.already_decided)
    assert winner.outcome is not None and winner.outcome.status == "executed"
    assert all("سبق اتخاذ قرار" in r.message_ar for r in answered if r.already_decided)
    assert len(outbox_files(settings)) == 1
    assert graph.invokes == 1


def test_an_answer_a_role_may_not_give_fails_alone_and_the_others_run(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any) -> None:
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    first, second = started.pending
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)

    results = _answer_together(graph, started.thread_id, settings.data_dir / "locks", [
        (manager, first.approval_id, "approve", {}),
        (make_ctx(Role.self_growth), second.approval_id, "approve", {}),
    ])

    assert isinstance(results[0], ResumeResult) and results[0].outcome.status == "executed"
    assert isinstance(results[1], RoleNotAllowed)
    assert manager.gateway.get_approval(second.approval_id, TENANT).status == "pending"
    assert len(outbox_files(settings)) == 1


@pytest.mark.parametrize("n", [6])
def test_many_answers_from_many_threads_each_run_once(make_ctx: Callable[..., Any], checkpointer: Any,
                                                      settings: Any, tmp_path: Any, n: int) -> None:
    """No turn is held by the test: answers arrive as they come, some in one resume, some in the next."""
    from runtime_support import lead_rows, write_leads

    started = start_autopilot(make_ctx(), checkpointer, write_leads(tmp_path / "many.csv", lead_rows(n)), top_n=n)
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)
    results: list[Any] = []

    def answer(approval_id: str) -> None:
        results.append(resume(graph, manager, approval_id, "approve", lock_dir=settings.data_dir / "locks"))

    workers = [threading.Thread(target=answer, args=(a.approval_id,)) for a in started.pending for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(results) == 3 * len(started.pending)
    assert sum(not r.already_decided for r in results) == len(started.pending)
    assert len(outbox_files(settings)) == len(started.pending)
    assert graph.invokes <= len(started.pending)


def test_a_turn_waits_for_an_answer_already_on_its_way_and_not_when_none_is(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty people approving one plan at once: the first turn used to leave with one answer while the
    others were still being checked, and every extra turn re-enters every branch still waiting."""
    import graphs.resume as resume_module
    from graphs.resume import arriving

    monkeypatch.setattr(resume_module, "ARRIVAL_WAIT", 5.0)
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=3)
    first, second, third = started.pending
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)
    lock_dir = settings.data_dir / "locks"

    began = time.monotonic()
    alone = resume(graph, manager, third.approval_id, "approve", lock_dir=lock_dir)  # type: ignore[arg-type]
    assert alone.outcome is not None and alone.outcome.status == "executed"
    assert time.monotonic() - began < 4.0, "nothing was on its way: the turn did not wait"
    assert graph.invokes == 1

    results: dict[str, ResumeResult] = {}
    checked = threading.Event()

    def on_its_way() -> None:
        with arriving(started.thread_id) as arrival:
            checked.wait(10)  # still being checked while the first answer takes the turn
            results[second.approval_id] = resume(graph, manager, second.approval_id, "approve",  # type: ignore[arg-type]
                                                 lock_dir=lock_dir, arrival=arrival)

    def first_answer() -> None:
        results[first.approval_id] = resume(graph, manager, first.approval_id, "approve",  # type: ignore[arg-type]
                                            lock_dir=lock_dir)

    late, early = threading.Thread(target=on_its_way), threading.Thread(target=first_answer)
    late.start()
    early.start()
    deadline = time.monotonic() + 10
    while resume_module.waiting_answers(started.thread_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # the first answer holds the turn now, waiting for the one on its way
    checked.set()
    early.join(30)
    late.join(30)
    assert results[first.approval_id].outcome.status == "executed"
    assert results[second.approval_id].outcome.status == "executed"
    assert graph.invokes == 2, "the answer on its way joined the first answer's turn"


def test_a_turn_saves_the_thread_once_when_it_ends_not_after_each_step(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each step saved on its own cost a turn of twenty answers a third of its time (the checkpoint
    of a thread with twenty branches, again and again). A worker killed in the middle of a turn leaves
    the thread as it was before it; the side-effect ledger keeps each execution to one when the thread
    is resumed again (``tests/reliability/test_reliability_crash.py`` kills workers mid-decision)."""
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=3)
    saves: list[str] = []
    put = checkpointer.put

    def counted(config: Any, *args: Any, **kwargs: Any) -> Any:
        saves.append(config["configurable"].get("checkpoint_ns", ""))
        return put(config, *args, **kwargs)

    monkeypatch.setattr(checkpointer, "put", counted)
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)

    results = _answer_together(graph, started.thread_id, settings.data_dir / "locks",
                               [(manager, a.approval_id, "approve", {}) for a in started.pending])

    assert graph.invokes == 1
    assert [r.outcome.status for r in results if isinstance(r, ResumeResult) and r.outcome] == ["executed"] * 3
    assert len(outbox_files(settings)) == 3
    assert saves == [""], saves


def test_a_turn_waits_for_the_end_of_a_burst_of_decisions_still_coming_in(
        make_ctx: Callable[..., Any], checkpointer: Any, leads_file: Any, settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A 200-request race reaches a worker over a few hundred milliseconds: the first turn left with the
    answers checked so far, and the second re-entered every branch still waiting (a turn of one answer cost
    as much as a turn of nineteen). Decisions that have come in (:func:`graphs.resume.incoming`, before any
    thread took them up) hold a starting turn until none has come in for ``BURST_GAP``."""
    import graphs.resume as resume_module
    from graphs.resume import incoming

    monkeypatch.setattr(resume_module, "BURST_GAP", 0.25)
    monkeypatch.setattr(resume_module, "ENTRY_WAIT", 5.0)
    monkeypatch.setattr(resume_module, "ARRIVAL_WAIT", 5.0)
    started = start_autopilot(make_ctx(), checkpointer, leads_file, top_n=2)
    first, second = started.pending
    graph = CountingGraph(build_autopilot_graph(checkpointer))
    manager = make_ctx(Role.sales_manager)
    lock_dir = settings.data_dir / "locks"
    results: dict[str, ResumeResult] = {}

    def the_rest_of_the_burst() -> None:
        ends = time.monotonic() + 0.6
        while time.monotonic() < ends:  # requests still coming in, not yet on a thread
            incoming()
            time.sleep(0.02)
        results[second.approval_id] = resume(graph, manager, second.approval_id, "approve",  # type: ignore[arg-type]
                                             lock_dir=lock_dir)

    incoming()
    burst = threading.Thread(target=the_rest_of_the_burst)
    burst.start()
    results[first.approval_id] = resume(graph, manager, first.approval_id, "approve",  # type: ignore[arg-type]
                                        lock_dir=lock_dir)
    burst.join(30)

    assert [results[a.approval_id].outcome.status for a in (first, second)] == ["executed", "executed"]  # type: ignore[union-attr]
    assert graph.invokes == 1, "the answer at the end of the burst went in the same turn"
    assert len(outbox_files(settings)) == 2
