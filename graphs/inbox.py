"""The approval inbox: a person's answer to one pending approval, whatever made the request.

    approval (tenant-scoped: another tenant's is "not found")
      ├─ not pending .................... already_decided (409); nothing runs again
      ├─ the caller's role may not ...... role_not_allowed (403); the attempt is audited
      ├─ its thread records a graph ..... the one resume path (graphs.resume), routed by the kind the
      │   (autopilot, daily_plan,          thread id recorded at creation: that graph's context, its
      │    negotiation, partners,          compiled graph; the thread's own nodes resolve through the
      │    support)                        gateway and run the draft once (a decided-but-undelivered
      │                                    approval is finished once)
      └─ no graph thread ................ resolve through the gateway here and, when approved,
                                          execute exactly the approved call with its token

The API, the CLI (`dealix approvals decide`, `growth decide`), the console, card buttons and
WhatsApp replies all answer through :func:`decide_approval`.

The approver recorded is always the authenticated caller passed in, never a value from a payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, ConfigDict, Field

from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import GraphKind, kind_of, thread_config
from graphs.growth import build_daily_plan_graph, build_plan_context
from graphs.negotiation import build_negotiation_context, build_negotiation_graph
from graphs.partners import build_partner_graph, build_partners_context
from graphs.resume import DecisionError, Entry, ResumeResult, arriving, entering, resume
from graphs.runtime import build_context
from graphs.support import build_support_context, build_support_graph
from skills.approval import GovernedContext
from skills.growth.repository import GrowthRepository
from skills.growth.service import growth_db_path
from skills.targeting.factory import build_service
from tools.errors import ApprovalError, ConnectorError, NotFound, RoleNotAllowed
from tools.gateway import Gateway
from tools.models import ApprovalRequest, ApprovalStatus, Caller, ToolCall
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings

Verdict = Literal["approve", "edit", "reject"]

_STATUS_AR = {"approved": "تمت الموافقة", "rejected": "رُفض", "consumed": "نُفِّذ", "superseded": "عُدِّل",
              "expired": "انتهت صلاحيته", "pending": "بانتظار القرار"}


class InboxDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    approval_id: str
    thread_id: str
    verdict: Verdict
    status: ApprovalStatus = Field(description="The approval's status after the decision.")
    decided_by: str = Field(description="The authenticated caller who decided.")
    message_ar: str
    outcome: str | None = Field(default=None, description="What happened next: executed, rejected, blocked, ...")
    draft_id: str | None = Field(default=None, description="Side-effect ledger id of the draft written, if any.")
    follow_up: list[ApprovalRequest] = Field(
        default_factory=list, description="Approvals still pending in the same thread, including one an edit "
                                          "created for another role.")


@dataclass(frozen=True)
class Services:
    """What a route needs to rebuild a graph's context in any process."""

    settings: Settings
    gateway: Gateway
    clock: Clock


ContextFactory = Callable[[Services, str, Caller | None], AbstractContextManager[GovernedContext]]
"""(services, tenant, caller) → the graph's bound run context; a run without a caller decides no approval."""


@dataclass(frozen=True)
class Route:
    """A graph whose threads wait on approvals: its compiled graph and how to rebuild its run context."""

    graph: Callable[[BaseCheckpointSaver[Any]], CompiledStateGraph[Any, Any, Any, Any]]
    context: ContextFactory


@contextmanager
def _autopilot(services: Services, tenant: str, caller: Caller | None) -> Iterator[GovernedContext]:
    targeting = build_service(services.settings, tenant=tenant, clock=services.clock)
    try:
        yield build_context(services.settings, tenant, caller=caller, gateway=services.gateway, targeting=targeting)
    finally:
        targeting.repository.close()


@contextmanager
def _daily_plan(services: Services, tenant: str, caller: Caller | None) -> Iterator[GovernedContext]:
    repository = GrowthRepository(growth_db_path(services.settings))
    targeting = build_service(services.settings, tenant=tenant, clock=services.clock)
    try:
        yield build_plan_context(services.settings, tenant, targeting=targeting, growth=repository,
                                 caller=caller, gateway=services.gateway, clock=services.clock)
    finally:
        repository.close()
        targeting.repository.close()


@contextmanager
def _built(build: Callable[..., GovernedContext], services: Services, tenant: str,
           caller: Caller | None) -> Iterator[GovernedContext]:
    yield build(services.settings, tenant, caller=caller, gateway=services.gateway, clock=services.clock)


ROUTES: dict[GraphKind, Route] = {
    "autopilot": Route(build_autopilot_graph, _autopilot),
    "daily_plan": Route(build_daily_plan_graph, _daily_plan),
    "negotiation": Route(build_negotiation_graph, lambda s, t, c: _built(build_negotiation_context, s, t, c)),
    "partners": Route(build_partner_graph, lambda s, t, c: _built(build_partners_context, s, t, c)),
    "support": Route(build_support_graph, lambda s, t, c: _built(build_support_context, s, t, c)),
}


def open_context(kind: GraphKind, services: Services, tenant: str,
                 caller: Caller | None = None) -> AbstractContextManager[GovernedContext]:
    """The bound run context of a ``kind`` graph for ``tenant``, built from the process's services."""
    return ROUTES[kind].context(services, tenant, caller)


def decide_approval(*, settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
                    approval_id: str, verdict: Verdict, edited_args: dict[str, Any] | None = None,
                    edited_action: str | None = None, reason: str | None = None,
                    clock: Clock = system_clock) -> InboxDecision:
    with entering() as entry:  # a turn that starts meanwhile waits a moment for this answer
        return _decide(settings=settings, gateway=gateway, checkpointer=checkpointer, caller=caller,
                       approval_id=approval_id, verdict=verdict, edited_args=edited_args,
                       edited_action=edited_action, reason=reason, clock=clock, entry=entry)


def _decide(*, settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
            approval_id: str, verdict: Verdict, edited_args: dict[str, Any] | None, edited_action: str | None,
            reason: str | None, clock: Clock, entry: Entry) -> InboxDecision:
    approval = gateway.get_approval(approval_id, caller.tenant)
    route = _route(approval)
    settled = False  # known to be decided with nothing left to finish (no need to ask the ledger)
    while True:
        _check(gateway, caller, approval, verdict, edited_args, edited_action, clock, settled=settled)
        if route is None:
            return _resolve_directly(gateway, caller, approval, verdict, edited_args, edited_action, reason)
        with arriving(approval.thread_id, approval_id) as arrival:
            entry.end()  # announced to its thread now (or waiting behind another answer)
            if arrival.behind is None:
                try:
                    with route.context(Services(settings, gateway, clock), caller.tenant, caller) as ctx:
                        result = resume(route.graph(checkpointer), ctx, approval_id, verdict,
                                        edited_args=edited_args, edited_action=edited_action, reason=reason,
                                        lock_dir=settings.data_dir / "locks", arrival=arrival)
                except ApprovalError as exc:
                    if exc.code != "approval_not_awaited":
                        raise
                    # The thread's graph does not wait on it (the thread is gone, or never paused on it):
                    # the gateway decides it alone.
                    route = None
                    continue
                after = gateway.get_approval(approval_id, caller.tenant)
                if arrival.flight is not None and _settled(after, result):
                    arrival.flight.land(after)  # the repeats behind this answer need not read it again
                if result.already_decided:  # answered by another request while this one waited for the thread
                    raise _already_decided(after)
                return _decision(approval, after, caller, verdict, result)
        # Another request of this process carries an answer to it: see how that one ended, then check again.
        arrival.behind.wait(ANSWER_WAIT)
        landed = arrival.behind.approval
        approval, settled = (landed, True) if landed is not None else (gateway.get_approval(approval_id,
                                                                                              caller.tenant), False)


ANSWER_WAIT = 120.0  # seconds a repeat waits for the answer ahead of it before it looks again


def _settled(approval: ApprovalRequest, result: ResumeResult) -> bool:
    """Whether ``approval``, as a resume left it, is decided with nothing left to finish."""
    if approval.status in ("pending", "approved"):
        return False
    if approval.status == "consumed":  # spent: its execution ended in this resume, or earlier
        return result.already_decided or (result.outcome is not None
                                          and result.outcome.status in ("executed", "already_executed"))
    return True


def _check(gateway: Gateway, caller: Caller, approval: ApprovalRequest, verdict: Verdict,
           edited_args: dict[str, Any] | None, edited_action: str | None, clock: Clock, *,
           settled: bool = False) -> None:
    """Refuse an answer that cannot be taken: decided already (409), a role that may not (audited), an
    edit without its new arguments. ``settled``: the approval is known to have nothing left to finish."""
    unfinished = not settled and gateway.unfinished_token(approval.approval_id, caller.tenant) is not None
    if approval.status != "pending" and not unfinished:
        raise _already_decided(approval)
    if approval.status == "pending" and caller.role not in approval.approver_roles:
        gateway.audit.record(tenant=caller.tenant, kind="approval_refused", actor=caller.user_id,
                             action=approval.action_request.action,
                             payload={"approval_id": approval.approval_id, "role": caller.role.value}, ts=clock())
        raise RoleNotAllowed(gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {caller.role.value} may not approve {approval.action_request.action}.")
    if verdict == "edit" and not edited_args and not edited_action:
        raise DecisionError("التعديل يحتاج المعطيات الجديدة (مثل نص الرسالة).", "An edit needs the edited arguments.",
                            code="edit_without_args")


def _already_decided(approval: ApprovalRequest) -> ApprovalError:
    return ApprovalError(f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[approval.status]})؛ لم يتغير شيء.",
                         f"Approval already decided ({approval.status}).", code="already_decided")


def _route(approval: ApprovalRequest) -> Route | None:
    """The route of the graph that named ``approval``'s thread; None for a call made outside any graph.

    Whether that graph still waits on the approval is read once the thread is ours (:func:`resume`).
    """
    kind = kind_of(approval.thread_id)
    if kind is None:
        return None  # a call made outside any graph (CLI, API), or a thread no graph of ours named
    try:
        thread_config(approval.thread_id, tenant=approval.tenant)
    except (ValueError, NotFound):
        return None
    return ROUTES[kind]


def _decision(approval: ApprovalRequest, after: ApprovalRequest, caller: Caller, verdict: Verdict,
              result: ResumeResult) -> InboxDecision:
    outcome = result.outcome
    return InboxDecision(approval_id=approval.approval_id, thread_id=approval.thread_id, verdict=verdict,
                         status=after.status, decided_by=caller.user_id, message_ar=result.message_ar,
                         outcome=outcome.status if outcome else None, draft_id=outcome.ledger_id if outcome else None,
                         follow_up=[a for a in result.pending if a.approval_id != approval.approval_id])


def _resolve_directly(gateway: Gateway, caller: Caller, approval: ApprovalRequest, verdict: Verdict,
                      edited_args: dict[str, Any] | None, edited_action: str | None,
                      reason: str | None) -> InboxDecision:
    args = {**approval.action_request.args, **(edited_args or {})} if verdict == "edit" else None
    decision = gateway.resolve(approval.approval_id, caller, verdict, edited_args=args, edited_action=edited_action,
                               reason=reason)
    after = gateway.get_approval(approval.approval_id, caller.tenant)
    base = {"approval_id": approval.approval_id, "thread_id": approval.thread_id, "verdict": verdict,
            "decided_by": caller.user_id}
    if decision.verdict == "reject":
        return InboxDecision(**base, status=after.status, message_ar="رُفض الإجراء ولن يُنفَّذ.", outcome="rejected")
    call = ToolCall(tenant=approval.tenant, skill=approval.skill, action=approval.action_request.action,
                    args=approval.action_request.args, thread_id=approval.thread_id,
                    tool_call_id=approval.tool_call_id, contact_id=approval.contact_id)
    follow_up: list[ApprovalRequest] = []
    if decision.verdict == "edit":
        new = decision.new_decision
        if new is None or args is None:
            raise DecisionError("تعذّر تطبيق التعديل.", "The edit produced no new decision.", code="edit_invalid")
        call = call.model_copy(update={"action": new.action, "args": args})
        if decision.token is None:
            if new.approval_id is not None:
                follow_up.append(gateway.get_approval(new.approval_id, caller.tenant))
            return InboxDecision(**base, status=after.status, message_ar=new.reason_ar,
                                 outcome="blocked" if not new.allowed else "awaiting_approval", follow_up=follow_up)
    try:
        executed = gateway.execute(call, approval_token=decision.token, actor=caller.user_id)
    except ConnectorError as exc:  # decided and recorded; the connector failed and nothing left
        after = gateway.get_approval(approval.approval_id, caller.tenant)
        return InboxDecision(**base, status=after.status, message_ar=exc.message_ar, outcome="not_executed")
    execution = executed.execution
    after = gateway.get_approval(approval.approval_id, caller.tenant)
    return InboxDecision(**base, status=after.status, message_ar=executed.decision.reason_ar,
                         outcome=execution.status if execution else None,
                         draft_id=execution.ledger_id if execution else None)
