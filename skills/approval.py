"""The one approval path every governed graph shares: review → human approval → execution.

    (a domain node puts a ToolCall in state["call"])
      ─▶ safe_action_reviewer ─▶ human_approval ─▶ execution_governor ─▶ (back to the graph)
              │ blocked               │ ▲ role not allowed, invalid answer,
              ▼                       │ │ an edit another role must approve
             end                      └─┘            reject / blocked edit ─▶ end

The nodes act as the skills they are named for. :func:`graphs.approval.build_approval_graph`
compiles them once into a subgraph that the autopilot, the daily plan, negotiation, partners and
support all embed; :mod:`graphs.resume` is the one entry point that answers their interrupts.

Re-execution safety. LangGraph re-runs an interrupted node from its start on resume, so
``human_approval`` does nothing before its ``interrupt``; the gateway is only asked to resolve
after it, and the connector only runs in ``execution_governor``, a separate node, through the
gateway's side-effect ledger (once per thread, call and arguments). A node that re-runs after a
crash, a second resume, or a replay from an earlier checkpoint meets the ledger and the approval
book, which answer "already executed" / "already decided" instead of acting twice; an approval
that was decided but never delivered (a worker died in between) is finished once from any resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from agents.learning import Later
from skills.approval_answers import answer_approval
from skills.operator.labels import label
from skills.run_context import bound
from tools.errors import ApprovalError, ConnectorError
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller, GatewayResult, Mode, ToolCall

OutcomeStatus = Literal[
    "awaiting_approval",  # an approval is pending
    "executed",           # the approved draft was placed in the outbox / mailbox
    "already_executed",   # a repeat found the side effect already done: nothing ran twice
    "rejected",           # the approver rejected (or ignored) it
    "blocked",            # policy refused it (also after an edit)
    "needs_review",       # the copy failed the output guard after retries; nothing is proposed
    "refused",            # the graph had nothing it may propose (no address, no partner, ...)
    "not_executed",       # execution was refused at the last check (live flag, token, ...)
    "in_progress",        # another worker is delivering this very approval right now
    "already_decided",    # the approval was decided elsewhere; this thread did nothing more
]


class Outcome(BaseModel):
    """Where one proposed action ended up, with the Arabic reason an operator reads."""

    model_config = ConfigDict(frozen=True)

    status: OutcomeStatus
    lead_id: str = Field(default="", description="The lead the action is about ('' when none, e.g. a deal).")
    company_name: str = ""
    action: str | None = Field(default=None, description="The action proposed or run, e.g. 'gmail.draft'.")
    approval_id: str | None = None
    reason_ar: str = Field(default="", description="Why, in Arabic.")
    reason_code: str | None = None
    ledger_id: str | None = Field(default=None, description="Side-effect ledger id when something ran.")
    outbox_path: str | None = None
    decided_by: str | None = None


class ApprovalState(TypedDict, total=False):
    """The keys the approval subgraph reads and writes; a graph that embeds it has them too."""

    call: ToolCall | None
    approval: ApprovalRequest | None
    token: str | None
    outcome: Outcome | None


@dataclass(frozen=True, kw_only=True)
class GovernedContext:
    """What the approval nodes need of a run: the tenant, the one gateway, and who answers approvals.

    ``caller`` is the authenticated person answering approvals in this run (the CLI's ``--as``, the
    API's key), never a value read from a resume payload; a run without one can start threads and
    collect approvals but decides none. A resume that carries several people's answers at once
    (:func:`graphs.resume.resume` gathers the answers that wait on one thread) names who answered
    each approval in ``approvers``; each was authenticated by its own request.
    """

    tenant: str
    gateway: Gateway
    caller: Caller | None = None
    approvers: Mapping[str, Caller] = field(default_factory=dict)

    def approver(self, approval_id: str) -> Caller | None:
        """Who answers ``approval_id`` in this run: the person whose answer it carries, else the run's caller."""
        return self.approvers.get(approval_id, self.caller)

    def learning_later(self) -> tuple[Self, Later | None]:
        """This context with what its branches learn collected for after a resume's answers
        (:mod:`agents.learning`), and where; None when the graph learns nothing."""
        return self, None

    def refuse_before_execution(self, call: ToolCall, approval: ApprovalRequest | None,
                                thread_id: str) -> Outcome | None:
        """A graph's last check of exactly what is about to run (e.g. an approver's edited text); None lets it run."""
        return None


Next = Literal["human_approval", "execution_governor", "__end__"]


def thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def _required(value: Any, what: str) -> Any:
    if value is None:  # a graph wiring mistake, not a user error: fail loudly, never act on nothing
        raise RuntimeError(f"the approval subgraph was entered without {what}")
    return value


def request_of(value: Any) -> ApprovalRequest:
    """The approval an interrupt waits on. The interrupt value follows agent-inbox's convention, a list
    of one request; a bare request (threads paused before the list form) is read too."""
    if isinstance(value, list) and value:
        value = value[0]
    return ApprovalRequest.model_validate(value)


def first_response(raw: Any) -> Any:
    """The one response to the one request: agent-inbox resumes with a list of responses
    (``[{"type": "accept", "args": None}]``); the console and the API resume with the response itself."""
    if isinstance(raw, list):
        return raw[0] if len(raw) == 1 else None  # one request, one response: anything else is no answer
    return raw


def safe_action_reviewer(state: ApprovalState, runtime: Runtime[Any]) -> Command[Next]:
    """Ask the gateway about the one action in ``call``. Decides and records; never executes."""
    ctx = bound(runtime, GovernedContext)
    call: ToolCall = _required(state.get("call"), "a call")
    result = ctx.gateway.decide(call)
    decision = result.decision
    if decision.mode == Mode.blocked:
        return Command(goto="__end__", update={"outcome": Outcome(
            status="blocked", action=decision.action, reason_ar=decision.reason_ar, reason_code=decision.reason_code)})
    if decision.mode == Mode.approval_required and result.approval is not None:
        waiting = Outcome(status="awaiting_approval", action=decision.action,
                          approval_id=result.approval.approval_id, reason_ar=decision.reason_ar,
                          reason_code=decision.reason_code)
        return Command(goto="human_approval", update={"approval": result.approval, "token": None, "outcome": waiting})
    return Command(goto="execution_governor", update={"approval": None, "token": None})


def human_approval(state: ApprovalState, runtime: Runtime[Any]) -> Command[Next]:
    """Wait for a person. Nothing before ``interrupt``: this node re-runs from the top on every resume."""
    approval: ApprovalRequest = _required(state.get("approval"), "an approval")
    raw = first_response(interrupt([approval.model_dump(mode="json")]))

    ctx = bound(runtime, GovernedContext)
    call: ToolCall = _required(state.get("call"), "a call")
    try:
        answer = answer_approval(ctx.gateway, approval, ctx.approver(approval.approval_id), ctx.tenant, raw)
    except ApprovalError as exc:
        token = ctx.gateway.unfinished_token(approval.approval_id, ctx.tenant)
        if token is not None:  # decided but not delivered (a crash after the decision): finish the job once
            return Command(goto="execution_governor", update={"token": token})
        return Command(goto="__end__", update={"outcome": Outcome(
            status="already_decided", action=call.action, approval_id=approval.approval_id, reason_ar=exc.message_ar,
            reason_code=exc.code)})
    if answer is None:
        return Command(goto="human_approval")  # no answer to act on: wait again
    caller, mapped, decision = answer.caller, answer.mapped, answer.decision
    if decision.verdict == "reject":
        who = label("roles", caller.role.value)  # the role in words, never its id
        return Command(goto="__end__", update={"outcome": Outcome(
            status="rejected", action=call.action, approval_id=approval.approval_id, decided_by=caller.user_id,
            reason_ar=f"رفض {who} الإجراء" + (f": {mapped.reason}" if mapped.reason else "."), reason_code="rejected")})
    if decision.verdict == "approve":
        return Command(goto="execution_governor", update={"token": decision.token})
    new = _required(decision.new_decision, "the edit's new decision")
    edited_call = call.model_copy(update={"action": new.action, "args": _required(mapped.edited_args, "edited args")})
    if new.mode == Mode.blocked:
        return Command(goto="__end__", update={"call": edited_call, "outcome": Outcome(
            status="blocked", action=new.action, approval_id=approval.approval_id, reason_ar=new.reason_ar,
            reason_code=new.reason_code, decided_by=caller.user_id)})
    if decision.token is not None:
        return Command(goto="execution_governor", update={"call": edited_call, "token": decision.token})
    follow_up = ctx.gateway.get_approval(_required(new.approval_id, "the follow-up approval"), ctx.tenant)
    return Command(goto="human_approval", update={"call": edited_call, "approval": follow_up, "outcome": Outcome(
        status="awaiting_approval", action=new.action, approval_id=new.approval_id, reason_ar=new.reason_ar,
        reason_code=new.reason_code)})


def execution_governor(state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Run exactly what was approved, through the gateway and its ledger: at most once."""
    ctx = bound(runtime, GovernedContext)
    call: ToolCall = _required(state.get("call"), "a call")
    approval = state.get("approval")
    refused = ctx.refuse_before_execution(call, approval, thread_id())
    if refused is not None:
        return {"outcome": refused}
    try:
        result = ctx.gateway.execute(call, approval_token=state.get("token"))
    except ConnectorError as exc:
        return {"outcome": Outcome(status="not_executed", action=call.action, reason_ar=exc.message_ar,
                                   reason_code=exc.code)}
    return {"outcome": execution_outcome(result, approval)}


def execution_outcome(result: GatewayResult, approval: ApprovalRequest | None) -> Outcome:
    execution = result.execution
    status: OutcomeStatus = "not_executed"
    if execution is not None and execution.status != "in_doubt":
        status = execution.status  # executed, already_executed, in_progress, not_executed
    return Outcome(status=status, action=result.decision.action,
                   approval_id=approval.approval_id if approval else None, reason_ar=result.decision.reason_ar,
                   reason_code=result.decision.reason_code,
                   ledger_id=execution.ledger_id if execution else None,
                   outbox_path=execution.outbox_path if execution else None)


__all__ = ["ApprovalState", "GovernedContext", "Outcome", "OutcomeStatus", "execution_governor",
           "execution_outcome", "first_response", "human_approval", "request_of", "safe_action_reviewer",
           "thread_id"]
