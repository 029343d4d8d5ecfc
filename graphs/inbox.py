"""The approval inbox: a person's answer to one pending approval, whatever made the request.

    approval (tenant-scoped: another tenant's is "not found")
      ├─ not pending .................... already_decided (409); nothing runs again
      ├─ the caller's role may not ...... role_not_allowed (403); the attempt is audited
      ├─ a graph's thread waits on it ... resume that thread with the graph's own decide function
      │                                   (autopilot, negotiation, partners, support, daily plan): its
      │                                   nodes resolve through the gateway and run the draft, once
      └─ no graph waits on it ........... resolve through the gateway here and, when approved,
                                          execute exactly the approved call with its token

The approver recorded is always the authenticated caller passed in, never a value from a payload.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel, ConfigDict, Field

from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import thread_config
from graphs.runtime import DecisionError, build_context, decide
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


def decide_approval(*, settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
                    approval_id: str, verdict: Verdict, edited_args: dict[str, Any] | None = None,
                    reason: str | None = None, clock: Clock = system_clock) -> InboxDecision:
    approval = gateway.get_approval(approval_id, caller.tenant)
    if approval.status != "pending":
        raise ApprovalError(f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[approval.status]})؛ لم يتغير شيء.",
                            f"Approval already decided ({approval.status}).", code="already_decided")
    if caller.role not in approval.approver_roles:
        gateway.audit.record(tenant=caller.tenant, kind="approval_refused", actor=caller.user_id,
                             action=approval.action_request.action,
                             payload={"approval_id": approval_id, "role": caller.role.value}, ts=clock())
        raise RoleNotAllowed(gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {caller.role.value} may not approve {approval.action_request.action}.")
    if verdict == "edit" and not edited_args:
        raise DecisionError("التعديل يحتاج المعطيات الجديدة (مثل نص الرسالة).", "An edit needs the edited arguments.",
                            code="edit_without_args")
    for resumer in RESUMERS:
        if _waits(resumer.build_graph(checkpointer), approval):
            return resumer.decide(settings, gateway, checkpointer, caller, approval, verdict, edited_args, reason,
                                  clock)
    return _resolve_directly(gateway, caller, approval, verdict, edited_args, reason)


def _waits(graph: Any, approval: ApprovalRequest) -> bool:
    try:
        config = thread_config(approval.thread_id, tenant=approval.tenant)
    except (ValueError, NotFound):
        return False  # not a graph thread id (e.g. a CLI or API call made outside any graph)
    interrupts = graph.get_state(config).interrupts
    return any(isinstance(i.value, dict) and i.value.get("approval_id") == approval.approval_id for i in interrupts)


def _decision(approval: ApprovalRequest, gateway: Gateway, caller: Caller, verdict: Verdict, message_ar: str,
              outcome: Any, pending: list[ApprovalRequest]) -> InboxDecision:
    after = gateway.get_approval(approval.approval_id, caller.tenant)
    return InboxDecision(approval_id=approval.approval_id, thread_id=approval.thread_id, verdict=verdict,
                         status=after.status, decided_by=caller.user_id, message_ar=message_ar,
                         outcome=getattr(outcome, "status", None), draft_id=getattr(outcome, "ledger_id", None),
                         follow_up=[a for a in pending if a.approval_id != approval.approval_id])


Decide = Callable[[Settings, Gateway, BaseCheckpointSaver[Any], Caller, ApprovalRequest, Verdict,
                   dict[str, Any] | None, str | None, Clock], InboxDecision]


@dataclass(frozen=True)
class Resumer:
    """A graph whose threads wait on approvals, and how to answer one of them."""

    name: str
    build_graph: Callable[[BaseCheckpointSaver[Any]], Any]
    decide: Decide


def _autopilot_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    return build_autopilot_graph(checkpointer)


def _autopilot(settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
               approval: ApprovalRequest, verdict: Verdict, edited_args: dict[str, Any] | None, reason: str | None,
               clock: Clock) -> InboxDecision:
    ctx = build_context(settings, caller.tenant, caller=caller, gateway=gateway)
    result = decide(ctx, checkpointer, approval.approval_id, verdict, edited_args=edited_args, reason=reason)
    return _decision(approval, gateway, caller, verdict, result.message_ar, result.outcome, result.pending)


def _message_graph(module: str, builder: str) -> Callable[[BaseCheckpointSaver[Any]], Any]:
    def build(checkpointer: BaseCheckpointSaver[Any]) -> Any:
        return getattr(importlib.import_module(module), builder)(checkpointer)

    return build


def _message_decide(module: str, context: str, answer: str) -> Decide:
    """Negotiation, partner and support threads share one approval step (graphs.message_approval)."""
    def run(settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
            approval: ApprovalRequest, verdict: Verdict, edited_args: dict[str, Any] | None, reason: str | None,
            clock: Clock) -> InboxDecision:
        graphs = importlib.import_module(module)
        ctx = getattr(graphs, context)(settings, caller.tenant, caller=caller, gateway=gateway, clock=clock)
        result = getattr(graphs, answer)(ctx, checkpointer, approval.approval_id, verdict, edited_args=edited_args,
                                         reason=reason)
        return _decision(approval, gateway, caller, verdict, result.message_ar, result.outcome, [])

    return run


def _plan(settings: Settings, gateway: Gateway, checkpointer: BaseCheckpointSaver[Any], caller: Caller,
          approval: ApprovalRequest, verdict: Verdict, edited_args: dict[str, Any] | None, reason: str | None,
          clock: Clock) -> InboxDecision:
    from graphs.growth import build_plan_context, decide_in_plan
    from skills.growth.repository import GrowthRepository
    from skills.growth.service import growth_db_path
    from skills.targeting.factory import build_service

    repository = GrowthRepository(growth_db_path(settings))
    targeting = build_service(settings, tenant=caller.tenant, clock=clock)
    try:
        ctx = build_plan_context(settings, caller.tenant, targeting=targeting, growth=repository, caller=caller,
                                 gateway=gateway, clock=clock)
        result = decide_in_plan(ctx, checkpointer, approval.approval_id, verdict, edited_args=edited_args,
                                reason=reason)
    finally:
        repository.close()
        targeting.repository.close()
    return _decision(approval, gateway, caller, verdict, result.message_ar, result.outcome, [])


RESUMERS: tuple[Resumer, ...] = (
    Resumer("autopilot", _autopilot_graph, _autopilot),
    Resumer("negotiation", _message_graph("graphs.negotiation", "build_negotiation_graph"),
            _message_decide("graphs.negotiation", "build_negotiation_context", "decide_negotiation")),
    Resumer("partners", _message_graph("graphs.partners", "build_partner_graph"),
            _message_decide("graphs.partners", "build_partners_context", "decide_partner_draft")),
    Resumer("support", _message_graph("graphs.support", "build_support_graph"),
            _message_decide("graphs.support", "build_support_context", "decide_support_reply")),
    Resumer("daily_plan", _message_graph("graphs.growth", "build_daily_plan_graph"), _plan),
)


def _resolve_directly(gateway: Gateway, caller: Caller, approval: ApprovalRequest, verdict: Verdict,
                      edited_args: dict[str, Any] | None, reason: str | None) -> InboxDecision:
    args = {**approval.action_request.args, **(edited_args or {})} if verdict == "edit" else None
    decision = gateway.resolve(approval.approval_id, caller, verdict, edited_args=args, reason=reason)
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
        assert new is not None and args is not None
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
