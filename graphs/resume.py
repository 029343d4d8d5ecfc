"""The one way to answer an approval a graph waits on: resume its thread, once, under a per-thread lock.

    approval (tenant-scoped: another tenant's is "not found")
      ├─ no caller ............................ caller_missing
      ├─ decided already, nothing unfinished .. already_decided (nothing runs again)
      ├─ the caller's role may not ........... role_not_allowed (the attempt is audited by the inbox)
      ├─ decided, never delivered ............ the thread finishes it once (a worker died in between)
      └─ waiting ............................. Command(resume={interrupt_id: agent-inbox response})

The thread's own nodes (:mod:`skills.approval`) resolve the answer with the gateway and execute
what was approved through the side-effect ledger. Resumes of one thread take turns (in this process
a turn at a time, across processes on this machine a lock file), so approvals answered at the same
moment in one plan never race on its checkpoint; and a turn carries every answer waiting for it in
this process, in one resume:

    answers to one thread ─▶ queue (in process) ─▶ one turn: wait ≤ 0.5 s for answers on their way
                                                    ─▶ Command(resume={interrupt: answer, …}),
                                                       each answer with its own approver
                             a repeat of an answer in flight ─▶ waits for it ─▶ already decided
    while another process holds the thread: its lock file tried every 20 ms; between tries the
    waiting answers whose approvals it decided are told "already decided" (one read), with no turn

What the turn's branches learn from the drafts they approved is learned after the answers
(:mod:`agents.learning`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field

from graphs.checkpoint import thread_config
from skills.approval import GovernedContext, Outcome, request_of
from skills.approval_answers import HumanResponse, response_for
from tools.errors import ApprovalError, GatewayError, RoleNotAllowed
from tools.models import ApprovalRequest, Caller, Role

Decision = Literal["approve", "reject", "edit"]

log = logging.getLogger("dealix.resume")

_STATUS_AR = {"approved": "تمت الموافقة", "rejected": "رُفض", "consumed": "نُفِّذ", "superseded": "عُدِّل",
              "expired": "انتهت صلاحيته", "pending": "بانتظار القرار"}
_STILL_PENDING_AR = "لم يُتخذ قرار؛ ما زالت الموافقة بانتظار مسؤول مخوّل."


class DecisionError(GatewayError):
    code = "decision_invalid"


class ResumeResult(BaseModel):
    """What answering one approval did."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    thread_id: str
    already_decided: bool = Field(description="True when the approval had been decided before this answer.")
    message_ar: str
    outcome: Outcome | None = None
    pending: list[ApprovalRequest] = Field(default_factory=list, description="Approvals still pending in the thread.")
    values: dict[str, Any] = Field(default_factory=dict, description="The thread's state after the resume.")


def already_decided_ar(approval: ApprovalRequest) -> str:
    return f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[approval.status]})؛ لم يُنفَّذ شيء مرة أخرى."


def awaiting(approval: ApprovalRequest | None, outcome: Outcome | None = None) -> Outcome | None:
    """A thread's outcome while it waits on ``approval`` (the subgraph's own state is not the parent's yet)."""
    if approval is None:
        return outcome
    return Outcome(status="awaiting_approval", action=approval.action_request.action,
                   approval_id=approval.approval_id, lead_id=approval.contact_id or "",
                   reason_ar="بانتظار موافقة مسؤول مخوّل قبل أي تنفيذ.", reason_code="approval_required")


def approval_of(value: Any) -> str | None:
    """The approval id an interrupt waits on (a request, or agent-inbox's list of one request)."""
    if isinstance(value, list) and value:
        value = value[0]
    return value.get("approval_id") if isinstance(value, dict) else None


def waiting_on(graph: CompiledStateGraph[Any, Any, Any, Any], config: Any, approval_id: str) -> list[Any]:
    return [i for i in graph.get_state(config).interrupts if approval_of(i.value) == approval_id]


@dataclass(eq=False)
class _Answer:
    """One person's answer to one approval, waiting for the thread it belongs to."""

    approval_id: str
    decision: Decision
    caller: Caller
    edited_args: dict[str, Any] | None
    edited_action: str | None
    reason: str | None
    result: ResumeResult | None = None
    error: BaseException | None = None
    done: bool = False
    flight: Flight = field(default_factory=lambda: Flight())

    def finish(self, result: ResumeResult) -> None:
        self.result, self.done = result, True

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True


@dataclass(eq=False)
class _Desk:
    """The answers that wait on one thread in this process, and the lock its resumes take in turn."""

    guard: threading.Condition = field(default_factory=threading.Condition)  # everything below
    busy: bool = False  # a turn is running in this process
    waiting: list[_Answer] = field(default_factory=list)
    in_flight: dict[str, Flight] = field(default_factory=dict)  # approval id → the first answer to it on its
    #                                                             way in this process (a request, or a resume)
    arriving: int = 0  # answers on their way (checked, their context being built), not queued yet
    users: int = 0

    def take_turn(self, mine: _Answer | None = None) -> bool:
        """Wait for the thread's turn in this process and take it; False, without taking it, as soon as
        ``mine`` was carried by someone else's turn (its caller need not wait for the turns after)."""
        with self.guard:
            while self.busy and not (mine is not None and mine.done):
                self.guard.wait()
            if mine is not None and mine.done:
                return False
            self.busy = True
            return True

    def end_turn(self) -> None:
        with self.guard:
            self.busy = False
            self.guard.notify_all()  # the answers it carried, and the next turn

    def wait_for_arrivals(self, timeout: float, entries_timeout: float | None = None) -> None:
        """Let answers already on their way join this turn (no wait when none is): those announced to this
        thread, for ``timeout`` seconds at most, and decisions of this process still being checked (their
        thread is not known yet), for ``entries_timeout`` (:data:`ENTRY_WAIT`) at most, looked at every
        :data:`ENTRY_POLL` seconds."""
        began = time.monotonic()
        deadline = began + timeout
        entries_deadline = began + min(timeout, ENTRY_WAIT if entries_timeout is None else entries_timeout)
        with self.guard:
            while True:
                now = time.monotonic()
                announced = self.arriving > 0 and now < deadline
                # A burst of answers reaches a worker over a few hundred milliseconds, and an answer the turn
                # leaves behind costs a second turn that re-enters every branch still waiting: the turn
                # also waits until no decision has come in for BURST_GAP seconds.
                entering = (_entries.count > 0 or now - _entries.last < BURST_GAP) and now < entries_deadline
                if not (announced or entering):
                    return
                self.guard.wait(min(ENTRY_POLL, entries_deadline - now) if entering else deadline - now)


_desks: dict[str, _Desk] = {}
_desks_guard = threading.Lock()
ENTRY_POLL = 0.01  # seconds between looks at the decisions still being checked, while a turn waits for them
ENTRY_WAIT = 0.3  # seconds a turn waits at most for decisions still being checked (their thread unknown)
BURST_GAP = 0.05  # seconds without a new decision after which a burst of them is taken to be over


class _Entries:
    """How many decisions of this process are being checked before their thread is known (:func:`entering`)."""

    def __init__(self) -> None:
        self.count = 0
        self.last = float("-inf")  # time.monotonic() when the last decision came in (:func:`incoming`)
        self.lock = threading.Lock()


_entries = _Entries()


class Entry:
    """One decision being checked (see :func:`entering`); :meth:`end` once it is announced to its thread."""

    def __init__(self) -> None:
        self._open = True

    def end(self) -> None:
        with _entries.lock:
            if self._open:
                self._open = False
                _entries.count -= 1


@contextmanager
def entering() -> Iterator[Entry]:
    """A decision that has arrived in this process and is being checked (its approval read, the caller's
    role): a turn that starts meanwhile on any thread waits a moment for it too, so a burst of answers to
    one plan is carried by one resume. It ends at :meth:`Entry.end` (once :func:`arriving` announced it)
    or when the block ends."""
    entry = Entry()
    with _entries.lock:
        _entries.count += 1
        _entries.last = time.monotonic()
    try:
        yield entry
    finally:
        entry.end()


def incoming() -> None:
    """A decision has reached this process (its request, before a thread takes it up): a turn starting now
    waits until the burst it may belong to is over (:data:`BURST_GAP`, :data:`ENTRY_WAIT` at most)."""
    _entries.last = time.monotonic()


@contextmanager
def _desk(thread_id: str) -> Iterator[_Desk]:
    with _desks_guard:
        desk = _desks.setdefault(thread_id, _Desk())
        desk.users += 1
    try:
        yield desk
    finally:
        with _desks_guard:
            desk.users -= 1
            if desk.users == 0:
                _desks.pop(thread_id, None)


def answering_no_one() -> bool:
    """True when no decision is being checked, waits for a thread or is carried by a turn in this process."""
    if _entries.count:
        return False
    with _desks_guard:
        desks = list(_desks.values())
    return not desks  # a desk lives while an answer (or a lock) uses it


def waiting_answers(thread_id: str) -> int:
    """How many answers wait in this process for ``thread_id``'s next resume (0 when none)."""
    with _desks_guard:
        desk = _desks.get(thread_id)
    if desk is None:
        return 0
    with desk.guard:
        return len(desk.waiting)


class Flight:
    """The first answer to one approval on its way in this process, which the answers behind it wait for.

    ``approval`` is the approval as that answer left it, when it is decided with nothing left to
    finish (a repeat can then be told "already decided" without reading it again); None otherwise."""

    def __init__(self) -> None:
        self.landed = threading.Event()
        self.approval: ApprovalRequest | None = None

    def land(self, approval: ApprovalRequest | None = None) -> None:
        self.approval = approval
        self.landed.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.landed.wait(timeout)


class Arrival:
    """An answer on its way to a thread's queue: a turn that starts meanwhile waits for it to join.

    Twenty people approving one plan at the same moment otherwise leave the first resume with one
    answer, because the others are still being checked; every extra resume re-enters every branch
    still waiting. The wait is bounded (:data:`ARRIVAL_WAIT`) and none at all when nothing is on its way.

    ``behind`` is set when another answer to the same approval is already on its way in this process:
    its caller waits for that one (``behind.wait()``) and reads the approval again, instead of building
    a run context and queueing a repeat that would most likely find it decided.
    """

    def __init__(self, behind: Flight | None = None, flight: Flight | None = None) -> None:
        self._open = behind is None  # an answer behind another announces nothing
        self.behind = behind
        self.flight = flight  # this answer's own flight, when it is the first to its approval here

    def queued(self, desk: _Desk) -> None:
        if self._open:
            self._open = False
            with desk.guard:
                desk.arriving -= 1
                desk.guard.notify_all()


# Seconds a turn waits at most for answers announced to its thread: each is sure to join the next resume
# anyway, and a resume of its own would re-enter every branch still waiting (0.25 s and more with twenty).
ARRIVAL_WAIT = 0.5


@contextmanager
def arriving(thread_id: str, approval_id: str | None = None) -> Iterator[Arrival]:
    """Announce an answer to ``thread_id`` (to ``approval_id``, when given) from the moment it is known
    until :func:`resume` queues it, or the caller gives up on it (a refusal, a repeat)."""
    with _desk(thread_id) as desk:
        mine: Flight | None = None
        with desk.guard:
            behind = desk.in_flight.get(approval_id) if approval_id is not None else None
            if behind is None:
                desk.arriving += 1
                if approval_id is not None:
                    mine = desk.in_flight[approval_id] = Flight()
        arrival = Arrival(behind, mine)
        try:
            yield arrival
        finally:
            arrival.queued(desk)
            if mine is not None and approval_id is not None:
                with desk.guard:
                    if desk.in_flight.get(approval_id) is mine:
                        del desk.in_flight[approval_id]
                mine.landed.set()  # the caller landed it with the approval when it knew it decided


LOCK_POLL = 0.02  # seconds between tries of a thread's lock file held by another process


@contextmanager
def _file_lock(thread_id: str, lock_dir: Path | None,
               meanwhile: Callable[[], bool] | None = None) -> Iterator[bool]:
    """The thread's lock across the processes that share ``lock_dir`` (none without one): True once held.

    With ``meanwhile``, the lock is tried every :data:`LOCK_POLL` seconds, and ``meanwhile`` is called
    between tries; when it returns True the wait is given up and False is yielded (the lock not held).
    """
    if lock_dir is None:
        yield True
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(thread_id.encode()).hexdigest()[:32]
    with (lock_dir / f"{name}.lock").open("a+b") as handle:
        if meanwhile is None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        else:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if meanwhile():
                        yield False
                        return
                    time.sleep(LOCK_POLL)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _settle_decided(ctx: GovernedContext, desk: _Desk) -> bool:
    """Finish every answer waiting on ``desk`` whose approval is decided with nothing left to finish:
    "already decided", without a turn (decided is final; the turn would read the same). True if any."""
    with desk.guard:
        ids = {answer.approval_id for answer in desk.waiting}
    if not ids:
        return False
    try:
        settled = ctx.gateway.settled_approvals(ids, ctx.tenant)
    except Exception:  # a turn reads them again, under the lock, and reports what fails
        log.warning("reading the approvals waited on failed; they wait for their turn", exc_info=True)
        return False
    if not settled:
        return False
    with desk.guard:
        keep = []
        for answer in desk.waiting:
            found = settled.get(answer.approval_id)
            if found is None:
                keep.append(answer)
            else:
                answer.finish(ResumeResult(approval_id=found.approval_id, thread_id=found.thread_id,
                                           already_decided=True, message_ar=already_decided_ar(found)))
        desk.waiting[:] = keep
        desk.guard.notify_all()  # their callers wait for a turn: they need none now
    return True


@contextmanager
def thread_lock(thread_id: str, lock_dir: Path | None) -> Iterator[None]:
    """One resume of ``thread_id`` at a time: in this process, and across processes sharing ``lock_dir``."""
    with _desk(thread_id) as desk:
        desk.take_turn()
        try:
            with _file_lock(thread_id, lock_dir):
                yield
        finally:
            desk.end_turn()


def resume(graph: CompiledStateGraph[Any, Any, Any, Any], ctx: GovernedContext, approval_id: str,
           decision: Decision, *, edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
           reason: str | None = None, lock_dir: Path | None = None, arrival: Arrival | None = None) -> ResumeResult:
    """Answer one approval by resuming the thread that waits on it; its own nodes resolve and execute it.

    Answers to one thread wait for each other (its checkpoint takes one resume at a time), and a
    resume of a thread re-enters every branch still waiting in it, so twenty answers one after the
    other cost twenty times the whole thread. Whoever takes the thread's turn therefore resumes it
    once with every answer that waits in this process by then (a resume map, one interrupt id per
    answer, each with the person who gave it), and each caller gets its own result. A second answer
    to the same approval waits for the first and then finds it decided. ``arrival`` (from
    :func:`arriving`) is the caller's announcement of this answer; it ends once the answer is queued.
    """
    caller = ctx.caller
    if caller is None:
        raise DecisionError("لا يمكن اتخاذ قرار دون تحديد هوية المعتمد ودوره.", "A decision needs a caller.",
                            code="caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    lock_dir = lock_dir if lock_dir is not None else ctx.gateway.locks_dir
    mine = _Answer(approval_id, decision, caller, edited_args, edited_action, reason)
    with _desk(approval.thread_id) as desk:
        with desk.guard:
            desk.waiting.append(mine)
            flight = desk.in_flight.setdefault(approval_id, mine.flight)
        if arrival is not None:
            arrival.queued(desk)
        try:
            while desk.take_turn(mine):  # False once a turn carried our answer (or found it decided)
                try:
                    desk.wait_for_arrivals(ARRIVAL_WAIT)
                    # While another process resumes the thread, what it decides is told to the answers
                    # waiting here at once; and this turn is given up if ours was one of them.
                    with _file_lock(approval.thread_id, lock_dir,
                                    meanwhile=lambda: _settle_decided(ctx, desk) or mine.done) as ours:
                        if ours:
                            with desk.guard:
                                batch, later = _one_per_approval(desk.waiting)
                                desk.waiting[:] = later  # a repeat of an answer in this batch goes next
                            _answer_together(graph, ctx, config, batch)
                    _settle_decided(ctx, desk)  # those repeats: decided now, they need no turn of their own
                finally:
                    desk.end_turn()
                if mine.done:
                    break
        finally:
            with desk.guard:
                if flight is mine.flight and desk.in_flight.get(approval_id) is flight:
                    del desk.in_flight[approval_id]
            mine.flight.land()
    if mine.error is not None:
        raise mine.error
    assert mine.result is not None
    return mine.result


def _one_per_approval(waiting: list[_Answer]) -> tuple[list[_Answer], list[_Answer]]:
    batch: dict[str, _Answer] = {}
    later: list[_Answer] = []
    for answer in waiting:
        if answer.approval_id in batch:
            later.append(answer)
        else:
            batch[answer.approval_id] = answer
    return list(batch.values()), later


def _answer_together(graph: CompiledStateGraph[Any, Any, Any, Any], ctx: GovernedContext, config: Any,
                     batch: list[_Answer]) -> None:
    """Resume the thread once for every answer in ``batch``; each answer ends finished or failed."""
    try:
        _resume_batch(graph, ctx, config, batch)
    except BaseException as exc:
        for answer in batch:
            if not answer.done:
                answer.fail(exc)
        if not isinstance(exc, Exception):
            raise
    for answer in batch:  # a path that forgot one would leave its caller without an answer: fail loudly
        if not answer.done:
            answer.fail(RuntimeError(f"the resume of {answer.approval_id} produced no result"))


def _resume_batch(graph: CompiledStateGraph[Any, Any, Any, Any], ctx: GovernedContext, config: Any,
                  batch: list[_Answer]) -> None:
    gateway = ctx.gateway
    try:  # each as it is now that the thread is ours (two reads for the batch, not two an answer)
        current = gateway.get_approvals([answer.approval_id for answer in batch], ctx.tenant)
        settled = gateway.settled_approvals([i for i, a in current.items() if a.status != "pending"], ctx.tenant)
    except Exception as exc:
        for answer in batch:
            answer.fail(exc)
        return
    ready: list[tuple[_Answer, ApprovalRequest, bool]] = []
    for answer in batch:
        try:
            approval = current.get(answer.approval_id) or gateway.get_approval(answer.approval_id, ctx.tenant)
            unfinished = approval.status != "pending" and approval.approval_id not in settled
            if approval.status != "pending" and not unfinished:
                answer.finish(ResumeResult(approval_id=answer.approval_id, thread_id=approval.thread_id,
                                           already_decided=True, message_ar=already_decided_ar(approval)))
                continue
            if approval.status == "pending" and answer.caller.role not in approval.approver_roles:
                raise RoleNotAllowed(gateway.policy.message("role_not_allowed").reason_ar,
                                     f"Role {answer.caller.role.value} may not approve "
                                     f"{approval.action_request.action}.")
        except Exception as exc:
            answer.fail(exc)
            continue
        ready.append((answer, approval, unfinished))
    if not ready:
        return
    interrupts = graph.get_state(config).interrupts
    settled_branches = settle_stale(ctx, graph, config, keep={answer.approval_id for answer, _, _ in ready},
                                    interrupts=interrupts)
    waiting = _interrupts(graph, config) if settled_branches else _waiting_in(interrupts)
    if any(unfinished and answer.approval_id not in waiting for answer, _, unfinished in ready):
        # A worker died after a decision, before its checkpoint: run the thread's pending tasks once more
        # (the ledger and its lease keep the execution to one).
        recovered = dict(graph.invoke(None, config, context=ctx))
        results = _Results(ctx, graph, config, recovered)
        for answer, approval, unfinished in ready:
            if unfinished and answer.approval_id not in waiting:
                answer.finish(results.of(approval))
        waiting = _interrupts(graph, config)
    resumes: dict[str, Any] = {}
    approvers: dict[str, Caller] = {}
    answered: list[tuple[_Answer, ApprovalRequest]] = []
    for answer, approval, _ in ready:
        if answer.done:
            continue
        interrupt_id = waiting.get(answer.approval_id)
        if interrupt_id is None:
            answer.fail(ApprovalError("هذه الموافقة لا ينتظرها أي مسار عمل حالياً؛ لم يتغير شيء.",
                                      "No thread is waiting on this approval.", code="approval_not_awaited"))
            continue
        args = ({**approval.action_request.args, **(answer.edited_args or {})} if answer.decision == "edit"
                else None)
        response = response_for(answer.decision, action=answer.edited_action or approval.action_request.action,
                                args=args, reason=answer.reason)
        resumes[interrupt_id] = response.model_dump(mode="json")
        approvers[answer.approval_id] = answer.caller
        answered.append((answer, approval))
    if not resumes:
        return
    # What the branches learn from the drafts approved waits for the answers (agents.learning).
    run, later = replace(ctx, caller=answered[0][0].caller, approvers=approvers).learning_later()
    try:
        # The thread is saved once, when the turn ends (with every branch's writes), not after each step:
        # saving a thread of twenty branches step by step cost a third of a turn. A worker killed in the middle
        # leaves the thread as it was before the turn; its decisions are in the gateway, and the next resume
        # lets those branches read them while the side-effect ledger keeps each execution to one.
        values = dict(graph.invoke(Command(resume=resumes), config, context=run, durability="exit"))
        results = _Results(ctx, graph, config, values)
        for answer, approval in answered:
            answer.finish(results.of(approval))
    finally:
        if later is not None:
            later.start(quiet=answering_no_one)  # also after a failure: the branches that ran will not run again


def _interrupts(graph: CompiledStateGraph[Any, Any, Any, Any], config: Any) -> dict[str, str]:
    """approval id → the id of the interrupt that waits on it, in the thread as it is now."""
    return _waiting_in(graph.get_state(config).interrupts)


def _waiting_in(interrupts: Iterable[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pending in interrupts:
        approval_id = approval_of(pending.value)
        if approval_id is not None:
            found.setdefault(approval_id, pending.id)
    return found


def settle_stale(ctx: GovernedContext, graph: CompiledStateGraph[Any, Any, Any, Any], config: Any, *,
                 keep: str | Collection[str] = (), interrupts: Iterable[Any] | None = None) -> int:
    """Let branches notice approvals that expired or were decided outside their thread.

    Each such branch resumes with no decision of its own: its ``human_approval`` node asks the gateway,
    which answers "expired" or "already decided", and the branch ends there (or, for an approval granted
    elsewhere and not yet used, runs it once with that approval). The resuming identity may approve
    nothing: it only lets a branch read what was decided. Returns how many branches were settled.
    """
    kept = {keep} if isinstance(keep, str) else set(keep)
    now = ctx.gateway.now()
    waiting = {approval_id: pending.id
               for pending in (graph.get_state(config).interrupts if interrupts is None else interrupts)
               if (approval_id := approval_of(pending.value)) is not None and approval_id not in kept}
    current = ctx.gateway.get_approvals(waiting, ctx.tenant)  # one read for every branch waiting
    stale = [interrupt_id for approval_id, interrupt_id in waiting.items()
             if (found := current.get(approval_id)) is not None
             and (found.status != "pending" or found.expires_at <= now)]
    if stale:
        observer = Caller(user_id="system:settle", tenant=ctx.tenant, role=Role.self_growth)
        ignore = HumanResponse(type="ignore").model_dump(mode="json")
        graph.invoke(Command(resume=dict.fromkeys(stale, ignore)), config, context=replace(ctx, caller=observer))
    return len(stale)


class _Results:
    """What one resume did for each approval it carried (the thread's subgraphs are read once, if needed)."""

    def __init__(self, ctx: GovernedContext, graph: CompiledStateGraph[Any, Any, Any, Any], config: Any,
                 values: dict[str, Any]) -> None:
        self._ctx, self._graph, self._config, self._values = ctx, graph, config, values
        self._snapshot: Any = None
        self._pending = [request_of(i.value) for i in values.get("__interrupt__", [])]

    def of(self, approval: ApprovalRequest) -> ResumeResult:
        outcome = _outcome_of(self._values, approval)
        if outcome is None:  # the branch that ran sits in a subgraph whose parent has not joined yet
            if self._snapshot is None:
                self._snapshot = self._graph.get_state(self._config, subgraphs=True)
            outcome = _outcome_in_subgraphs(self._snapshot, approval)
        after = self._ctx.gateway.get_approval(approval.approval_id, self._ctx.tenant)
        if after.status == "pending":
            message = _STILL_PENDING_AR
        else:
            message = outcome.reason_ar if outcome is not None else already_decided_ar(after)
        return ResumeResult(approval_id=approval.approval_id, thread_id=approval.thread_id, already_decided=False,
                            message_ar=message, outcome=outcome, pending=self._pending,
                            values={k: v for k, v in self._values.items() if k != "__interrupt__"})


def _outcome_of(values: dict[str, Any], approval: ApprovalRequest) -> Outcome | None:
    outcomes = values.get("outcomes") or {}
    key = approval.contact_id or approval.tool_call_id.split(":", 1)[0]
    if key in outcomes:
        found: Outcome = outcomes[key]
        return found
    outcome = values.get("outcome")
    return outcome if isinstance(outcome, Outcome) and outcome.approval_id in (None, approval.approval_id) else None


def _outcome_in_subgraphs(snapshot: Any, approval: ApprovalRequest) -> Outcome | None:
    def search(snapshot: Any) -> Outcome | None:
        for task in snapshot.tasks:
            written = task.result.get("outcomes") if isinstance(task.result, dict) else None
            if isinstance(written, dict) and (approval.contact_id or "") in written:
                found_written: Outcome = written[approval.contact_id or ""]
                return found_written
            state = task.state
            if state is None or isinstance(state, dict):
                continue
            found = _outcome_of(dict(state.values), approval)
            if found is not None and found.status != "awaiting_approval":
                return found
            deeper = search(state)
            if deeper is not None:
                return deeper
        return None

    return search(snapshot)


__all__ = [
    "ARRIVAL_WAIT",
    "Arrival",
    "Decision",
    "DecisionError",
    "Entry",
    "Flight",
    "ResumeResult",
    "already_decided_ar",
    "answering_no_one",
    "approval_of",
    "arriving",
    "awaiting",
    "entering",
    "resume",
    "settle_stale",
    "thread_lock",
    "waiting_answers",
    "waiting_on",
]
