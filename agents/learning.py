"""Work a resume leaves for after its answers: learning the drafts it approved.

An approved draft becomes an example for the tenant's next drafts (:mod:`agents.examples`). Turning it
into a template and storing it is about a quarter of what an approval costs, and nobody waits for it:
the person who approved waits for the execution. So a resume collects its learning in a
:class:`Later`, answers, and then hands it to the process's learner, one background thread that runs
each batch in order (the memory held open once per batch), each draft at a moment when the process
answers no one (waiting :data:`QUIET_WAIT` seconds at most for the whole batch): in Python a thread
that learns takes the interpreter from the ones that answer.

    resume ─ branches run ─▶ Later ← learn(draft) …   answers go back ─▶ Later.start() ─▶ learner thread
                                                                                           (in order)

What a learn finds is the same later as now (a template of exactly the approved text, or a refusal
logged when a lead-specific word survives). Queued learning still runs when the process exits
normally (the learner's thread is joined at exit, as every ``concurrent.futures`` worker is); a
process killed outright loses what it had queued, which costs a future draft an example, never a
message or a decision. :func:`drain` waits for everything queued so far (a test, a command that
reads the memory next).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from functools import partial

log = logging.getLogger("dealix.learning")

Job = Callable[[], object]


class Later:
    """The learning one resume collected from its branches (which may run on several threads).

    ``keep(contact_id)`` is asked again right before each draft is learned: a contact erased in the
    meantime (``dealix privacy erase``, in this process or another) leaves no example behind.
    """

    def __init__(self, hold: Callable[[], AbstractContextManager[object]] | None = None,
                 keep: Callable[[str], bool] | None = None) -> None:
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._hold = hold
        self._keep = keep

    def add(self, job: Job, contact_id: str | None = None) -> None:
        keep = self._keep
        if keep is not None and contact_id is not None:
            job = partial(_if_kept, keep, contact_id, job)
        with self._lock:
            self._jobs.append(job)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def start(self, quiet: Callable[[], bool] | None = None) -> Future[None] | None:
        """Hand what was collected to the learner; None when there was nothing to learn.

        With ``quiet``, the learner waits until it returns True (the process is answering no one), for
        :data:`QUIET_WAIT` seconds at most: learning takes the interpreter's lock from the answers."""
        with self._lock:
            jobs, self._jobs = self._jobs, []
        if not jobs:
            return None
        return _submit(jobs, self._hold or nullcontext, quiet)


_executor: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()
_guard = threading.Lock()


def _if_kept(keep: Callable[[str], bool], contact_id: str, job: Job) -> object:
    if not keep(contact_id):
        log.info("an approved draft was not learned: its contact was erased before the learner got to it")
        return False
    return job()


QUIET_WAIT = 2.0  # seconds the learner waits at most for a quiet moment
QUIET_POLL = 0.02


def _submit(jobs: list[Job], hold: Callable[[], AbstractContextManager[object]],
            quiet: Callable[[], bool] | None) -> Future[None]:
    global _executor
    with _guard:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dealix-learner")
        future = _executor.submit(_run, jobs, hold, quiet)
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: Future[None]) -> None:
    with _guard:
        _pending.discard(future)


def _run(jobs: list[Job], hold: Callable[[], AbstractContextManager[object]],
         quiet: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + QUIET_WAIT  # for the whole batch: it yields between drafts, not for ever
    _wait_quiet(quiet, deadline)
    with hold():
        for i, job in enumerate(jobs):
            if i:
                _wait_quiet(quiet, deadline)  # answers that arrived meanwhile go first
            try:
                job()
            except Exception:  # one draft's learning never stops the others', nor anything else
                log.exception("learning an approved draft failed")


def _wait_quiet(quiet: Callable[[], bool] | None, deadline: float) -> None:
    if quiet is None:
        return
    while not quiet() and time.monotonic() < deadline:
        time.sleep(QUIET_POLL)


def drain(timeout: float | None = 60.0) -> bool:
    """Wait for the learning queued so far; False if some was still running after ``timeout`` seconds."""
    with _guard:
        pending = set(_pending)
    if not pending:
        return True
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


def queued() -> int:
    """How many batches of learning are queued or running in this process."""
    with _guard:
        return len(_pending)


__all__ = ["Later", "drain", "queued"]
