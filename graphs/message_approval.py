"""One governed message draft, approval first: the nodes the partner and customer-ops graphs share.

    (domain node puts a ToolCall in state["call"])
      ─▶ safe_action_reviewer ─▶ human_approval ─▶ execution_governor ─▶ (graph's next node)
              │ blocked               │ ▲ role not allowed, invalid answer,
              ▼                       │ │ an edit another role must approve
             END                      └─┘            reject / blocked edit ─▶ END

Same re-execution rules as the autopilot (``skills/nodes.py``): ``human_approval`` does nothing
before its ``interrupt``; the gateway resolves only after it; the connector runs only in
``execution_governor`` through the gateway's ledger, at most once per thread, call and arguments.
Graphs apply the review-first overlay (``graphs/data/autopilot_overlay.yaml``), so a
``gmail.draft`` / ``whatsapp.draft`` waits for a person even though policy alone would allow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, get_args

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from graphs.approvals import answer_approval, response_for
from graphs.checkpoint import thread_config
from graphs.overlay import autopilot_overlay
from tools.errors import ApprovalError, ConnectorError, GatewayError, RoleNotAllowed
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller, GatewayResult, Mode, ToolCall
from tools.policy import TenantOverlay
from tools.settings import Settings

DraftStatus = Literal["awaiting_approval", "executed", "already_executed", "rejected", "blocked", "needs_review",
                      "refused", "not_executed", "already_decided"]
Decision = Literal["approve", "reject", "edit"]


class DraftOutcome(BaseModel):
    """Where the one draft of a thread ended up, with the Arabic reason an operator reads."""

    model_config = ConfigDict(frozen=True)

    status: DraftStatus
    action: str | None = Field(default=None, description="The action proposed or run, e.g. 'gmail.draft'.")
    approval_id: str | None = None
    reason_ar: str = ""
    reason_code: str | None = None
    ledger_id: str | None = None
    outbox_path: str | None = None
    decided_by: str | None = None


class DraftApprovalState(TypedDict, total=False):
    call: ToolCall | None
    approval: ApprovalRequest | None
    token: str | None
    outcome: DraftOutcome | None


@dataclass(frozen=True, kw_only=True)
class GovernedContext:
    """Run-scoped dependencies every governed graph needs. ``caller`` answers approvals in this run."""

    tenant: str
    gateway: Gateway
    settings: Settings
    caller: Caller | None = None


def with_state_types(checkpointer: BaseCheckpointSaver[Any] | None, *roots: type
                     ) -> BaseCheckpointSaver[Any] | None:
    """The checkpointer, allowed to revive ``roots`` and every model or enum nested in them.

    LangGraph derives an allowlist from the state schema, but it cannot resolve postponed
    annotations inherited across modules; naming the state's models here makes resuming a thread
    from a fresh process revive them as models, not refuse them.
    """
    if checkpointer is None:
        return None
    found: set[tuple[str, str]] = set()

    def walk(tp: Any) -> None:
        for arg in get_args(tp):
            walk(arg)
        if isinstance(tp, type) and (issubclass(tp, BaseModel) or issubclass(tp, Enum)):
            key = (tp.__module__, tp.__name__)
            if key in found:
                return
            found.add(key)
            if issubclass(tp, BaseModel):
                for info in tp.model_fields.values():
                    walk(info.annotation)

    for root in (*roots, DraftOutcome, ToolCall, ApprovalRequest):
        walk(root)
    return checkpointer.with_allowlist(found)


def review_first(ctx: GovernedContext, tenant_overlay: TenantOverlay | None = None) -> None:
    """Drafts wait for a person in these graphs; a tenant's own overlay can only tighten this further."""
    ctx.gateway.set_overlay(autopilot_overlay(ctx.tenant, tenant_overlay))


Next = Literal["human_approval", "execution_governor", "__end__"]


def safe_action_reviewer(state: DraftApprovalState, runtime: Runtime[Any]) -> Command[Next]:
    """Ask the gateway about the one action the draft stands for. Decides and records; never executes."""
    ctx: GovernedContext = runtime.context
    call = state.get("call")
    assert call is not None
    result = ctx.gateway.decide(call)
    decision = result.decision
    if decision.mode == Mode.blocked:
        return Command(goto="__end__", update={"outcome": DraftOutcome(
            status="blocked", action=decision.action, reason_ar=decision.reason_ar,
            reason_code=decision.reason_code)})
    if decision.mode == Mode.approval_required and result.approval is not None:
        waiting = DraftOutcome(status="awaiting_approval", action=decision.action,
                               approval_id=result.approval.approval_id, reason_ar=decision.reason_ar,
                               reason_code=decision.reason_code)
        return Command(goto="human_approval", update={"approval": result.approval, "token": None, "outcome": waiting})
    return Command(goto="execution_governor", update={"approval": None, "token": None})


def human_approval(state: DraftApprovalState, runtime: Runtime[Any]) -> Command[Next]:
    """Wait for a person. Nothing before ``interrupt``: this node re-runs from the top on every resume."""
    approval = state.get("approval")
    assert approval is not None
    raw = interrupt(approval.model_dump(mode="json"))

    ctx: GovernedContext = runtime.context
    call = state.get("call")
    assert call is not None
    try:
        answer = answer_approval(ctx.gateway, approval, ctx.caller, ctx.tenant, raw)
    except ApprovalError as exc:
        token = ctx.gateway.unfinished_token(approval.approval_id, ctx.tenant)
        if token is not None:  # decided but not delivered (a crash after the decision): finish the job once
            return Command(goto="execution_governor", update={"token": token})
        return Command(goto="__end__", update={"outcome": DraftOutcome(
            status="already_decided", action=call.action, approval_id=approval.approval_id, reason_ar=exc.message_ar,
            reason_code=exc.code)})
    if answer is None:
        return Command(goto="human_approval")  # no answer to act on: wait again
    caller, mapped, decision = answer.caller, answer.mapped, answer.decision
    if decision.verdict == "reject":
        return Command(goto="__end__", update={"outcome": DraftOutcome(
            status="rejected", action=call.action, approval_id=approval.approval_id, decided_by=caller.user_id,
            reason_ar=f"رُفض الإجراء من {caller.role.value}" + (f": {mapped.reason}" if mapped.reason else "."),
            reason_code="rejected")})
    if decision.verdict == "approve":
        return Command(goto="execution_governor", update={"token": decision.token})
    new = decision.new_decision
    assert new is not None and mapped.edited_args is not None
    edited_call = call.model_copy(update={"action": new.action, "args": mapped.edited_args})
    if new.mode == Mode.blocked:
        return Command(goto="__end__", update={"call": edited_call, "outcome": DraftOutcome(
            status="blocked", action=new.action, approval_id=approval.approval_id, reason_ar=new.reason_ar,
            reason_code=new.reason_code, decided_by=caller.user_id)})
    if decision.token is not None:
        return Command(goto="execution_governor", update={"call": edited_call, "token": decision.token})
    assert new.approval_id is not None  # the edit needs another role's approval: wait for it
    follow_up = ctx.gateway.get_approval(new.approval_id, ctx.tenant)
    return Command(goto="human_approval", update={"call": edited_call, "approval": follow_up, "outcome": DraftOutcome(
        status="awaiting_approval", action=new.action, approval_id=new.approval_id, reason_ar=new.reason_ar,
        reason_code=new.reason_code)})


def execution_governor(state: DraftApprovalState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Run exactly what was approved, through the gateway and its ledger: at most once."""
    ctx: GovernedContext = runtime.context
    call = state.get("call")
    assert call is not None
    approval = state.get("approval")
    try:
        result = ctx.gateway.execute(call, approval_token=state.get("token"))
    except ConnectorError as exc:
        return {"outcome": DraftOutcome(status="not_executed", action=call.action, reason_ar=exc.message_ar,
                                        reason_code=exc.code)}
    return {"outcome": execution_outcome(result, approval)}


def execution_outcome(result: GatewayResult, approval: ApprovalRequest | None) -> DraftOutcome:
    execution = result.execution
    status = execution.status if execution is not None else "not_executed"
    if status in ("in_doubt", "in_progress"):  # not (yet) delivered by this run
        status = "not_executed"
    return DraftOutcome(status=status, action=result.decision.action,
                        approval_id=approval.approval_id if approval else None, reason_ar=result.decision.reason_ar,
                        reason_code=result.decision.reason_code,
                        ledger_id=execution.ledger_id if execution else None,
                        outbox_path=execution.outbox_path if execution else None)


# ------------------------------------------------------------------------------------- running
class ResumeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    approval_id: str
    thread_id: str
    already_decided: bool
    message_ar: str
    outcome: DraftOutcome | None = None
    values: dict[str, Any] = Field(default_factory=dict, description="The thread's state after the resume.")


_STATUS_AR = {"approved": "تمت الموافقة", "rejected": "رُفض", "consumed": "نُفِّذ", "superseded": "عُدِّل",
              "expired": "انتهت صلاحيته", "pending": "بانتظار القرار"}


class DecisionError(GatewayError):
    code = "decision_invalid"


def resume(graph: CompiledStateGraph[Any, Any, Any, Any], ctx: GovernedContext, approval_id: str,
           decision: Decision, *, edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
           reason: str | None = None) -> ResumeResult:
    """Answer one approval by resuming its thread; the thread's own nodes resolve and execute it."""
    caller = ctx.caller
    if caller is None:
        raise DecisionError("لا يمكن اتخاذ قرار دون تحديد هوية المعتمد ودوره.", "A decision needs a caller.",
                            code="caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    if approval.status != "pending":
        return ResumeResult(approval_id=approval_id, thread_id=approval.thread_id, already_decided=True,
                            message_ar=_already(approval))
    if caller.role not in approval.approver_roles:
        raise RoleNotAllowed(ctx.gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {caller.role.value} may not approve {approval.action_request.action}.")
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    waiting = [i for i in graph.get_state(config).interrupts
               if isinstance(i.value, dict) and i.value.get("approval_id") == approval_id]
    if not waiting:
        raise ApprovalError("هذه الموافقة لا ينتظرها أي مسار عمل حالياً؛ لم يتغير شيء.",
                            "No thread is waiting on this approval.", code="approval_not_awaited")
    args = {**approval.action_request.args, **(edited_args or {})} if decision == "edit" else None
    response = response_for(decision, action=edited_action or approval.action_request.action, args=args,
                            reason=reason)
    values = graph.invoke(Command(resume={waiting[0].id: response.model_dump(mode="json")}), config, context=ctx)
    outcome = values.get("outcome")
    after = ctx.gateway.get_approval(approval_id, ctx.tenant)
    if after.status == "pending":
        message = "لم يُتخذ قرار؛ ما زالت الموافقة بانتظار مسؤول مخوّل."
    else:
        message = outcome.reason_ar if outcome is not None else _already(after)
    return ResumeResult(approval_id=approval_id, thread_id=approval.thread_id, already_decided=False,
                        message_ar=message, outcome=outcome, values=dict(values))


def _already(approval: ApprovalRequest) -> str:
    return f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[approval.status]})؛ لم يُنفَّذ شيء مرة أخرى."

