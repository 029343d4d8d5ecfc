"""The one way to answer an approval a graph waits on: resume its thread, once, under a per-thread lock.

    approval (tenant-scoped: another tenant's is "not found")
      ├─ no caller ............................ caller_missing
      ├─ decided already, nothing unfinished .. already_decided (nothing runs again)
      ├─ the caller's role may not ........... role_not_allowed (the attempt is audited by the inbox)
      ├─ decided, never delivered ............ the thread finishes it once (a worker died in between)
      └─ waiting ............................. Command(resume={interrupt_id: agent-inbox response})

The thread's own nodes (:mod:`skills.approval`) resolve the answer with the gateway and execute
what was approved through the side-effect ledger. Resumes of one thread are serialised (threads in
this process by a lock, processes on this machine by a lock file), so approvals answered at the
same moment in one plan never race on its checkpoint.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
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


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextmanager
def thread_lock(thread_id: str, lock_dir: Path | None) -> Iterator[None]:
    """One resume of ``thread_id`` at a time: in this process, and across processes sharing ``lock_dir``."""
    with _locks_guard:
        local = _locks.setdefault(thread_id, threading.Lock())
    with local:
        if lock_dir is None:
            yield
            return
        lock_dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(thread_id.encode()).hexdigest()[:32]
        with (lock_dir / f"{name}.lock").open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def resume(graph: CompiledStateGraph[Any, Any, Any, Any], ctx: GovernedContext, approval_id: str,
           decision: Decision, *, edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
           reason: str | None = None, lock_dir: Path | None = None) -> ResumeResult:
    """Answer one approval by resuming the thread that waits on it; its own nodes resolve and execute it."""
    caller = ctx.caller
    if caller is None:
        raise DecisionError("لا يمكن اتخاذ قرار دون تحديد هوية المعتمد ودوره.", "A decision needs a caller.",
                            code="caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    lock_dir = lock_dir if lock_dir is not None else ctx.gateway.locks_dir
    with thread_lock(approval.thread_id, lock_dir):
        approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # as it is now that the thread is ours
        unfinished = ctx.gateway.unfinished_token(approval_id, ctx.tenant) is not None
        if approval.status != "pending" and not unfinished:
            return ResumeResult(approval_id=approval_id, thread_id=approval.thread_id, already_decided=True,
                                message_ar=already_decided_ar(approval))
        if approval.status == "pending" and caller.role not in approval.approver_roles:
            raise RoleNotAllowed(ctx.gateway.policy.message("role_not_allowed").reason_ar,
                                 f"Role {caller.role.value} may not approve {approval.action_request.action}.")
        settle_stale(ctx, graph, config, keep=approval_id)
        waiting = waiting_on(graph, config, approval_id)
        if unfinished and not waiting:
            # A worker died after the decision, before its checkpoint: run the thread's pending tasks once
            # more (the ledger and its lease keep the execution to one).
            values = graph.invoke(None, config, context=ctx)
        elif not waiting:
            raise ApprovalError("هذه الموافقة لا ينتظرها أي مسار عمل حالياً؛ لم يتغير شيء.",
                                "No thread is waiting on this approval.", code="approval_not_awaited")
        else:
            args = {**approval.action_request.args, **(edited_args or {})} if decision == "edit" else None
            response = response_for(decision, action=edited_action or approval.action_request.action, args=args,
                                    reason=reason)
            values = graph.invoke(Command(resume={waiting[0].id: response.model_dump(mode="json")}), config,
                                  context=ctx)
    return _result(ctx, graph, config, approval, dict(values))


def settle_stale(ctx: GovernedContext, graph: CompiledStateGraph[Any, Any, Any, Any], config: Any, *,
                 keep: str | None = None) -> int:
    """Let branches notice approvals that expired or were decided outside their thread.

    Each such branch resumes with no decision of its own: its ``human_approval`` node asks the gateway,
    which answers "expired" or "already decided", and the branch ends there (or, for an approval granted
    elsewhere and not yet used, runs it once with that approval). The resuming identity may approve
    nothing: it only lets a branch read what was decided. Returns how many branches were settled.
    """
    now = ctx.gateway.now()
    stale = []
    for pending in graph.get_state(config).interrupts:
        approval_id = approval_of(pending.value)
        if approval_id is None or approval_id == keep:
            continue
        current = ctx.gateway.get_approval(approval_id, ctx.tenant)
        if current.status != "pending" or current.expires_at <= now:
            stale.append(pending.id)
    if stale:
        observer = Caller(user_id="system:settle", tenant=ctx.tenant, role=Role.self_growth)
        ignore = HumanResponse(type="ignore").model_dump(mode="json")
        graph.invoke(Command(resume=dict.fromkeys(stale, ignore)), config, context=replace(ctx, caller=observer))
    return len(stale)


def _result(ctx: GovernedContext, graph: CompiledStateGraph[Any, Any, Any, Any], config: Any,
            approval: ApprovalRequest, values: dict[str, Any]) -> ResumeResult:
    outcome = _outcome_of(values, approval)
    if outcome is None:  # the branch that ran sits in a subgraph whose parent has not joined yet
        outcome = _outcome_in_subgraphs(graph, config, approval)
    after = ctx.gateway.get_approval(approval.approval_id, ctx.tenant)
    if after.status == "pending":
        message = _STILL_PENDING_AR
    else:
        message = outcome.reason_ar if outcome is not None else already_decided_ar(after)
    pending = [request_of(i.value) for i in values.get("__interrupt__", [])]
    return ResumeResult(approval_id=approval.approval_id, thread_id=approval.thread_id, already_decided=False,
                        message_ar=message, outcome=outcome, pending=pending,
                        values={k: v for k, v in values.items() if k != "__interrupt__"})


def _outcome_of(values: dict[str, Any], approval: ApprovalRequest) -> Outcome | None:
    outcomes = values.get("outcomes") or {}
    key = approval.contact_id or approval.tool_call_id.split(":", 1)[0]
    if key in outcomes:
        found: Outcome = outcomes[key]
        return found
    outcome = values.get("outcome")
    return outcome if isinstance(outcome, Outcome) and outcome.approval_id in (None, approval.approval_id) else None


def _outcome_in_subgraphs(graph: CompiledStateGraph[Any, Any, Any, Any], config: Any,
                          approval: ApprovalRequest) -> Outcome | None:
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

    return search(graph.get_state(config, subgraphs=True))


__all__ = ["Decision", "DecisionError", "ResumeResult", "already_decided_ar", "approval_of", "awaiting", "resume",
           "settle_stale", "thread_lock", "waiting_on"]
