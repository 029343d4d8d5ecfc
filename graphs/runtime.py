"""Running the autopilot: build a run's context, start a thread, list and decide its approvals.

The CLI and the API call these; each call works from a fresh process, because everything it needs
is in the gateway's database (approvals, ledger) and the checkpointer (threads).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field

from agents.call_records import ModelCallRecorder, ModelCallStore
from agents.copywriter import SenderProfile
from agents.examples import build_copy_examples
from agents.models import build_copywriter
from agents.tracing import build_tracing
from dealix.wiring import build_gateway, build_masker
from graphs.approvals import response_for
from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import new_thread_id, thread_config
from graphs.context import AutopilotContext
from graphs.overlay import autopilot_overlay
from graphs.state import Outcome
from skills.targeting.segments import segment_of
from tools.errors import ApprovalError, GatewayError, RoleNotAllowed
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.policy import TenantOverlay
from tools.settings import Settings

Decision = Literal["approve", "reject", "edit"]


class DecisionError(GatewayError):
    code = "decision_invalid"


def build_context(settings: Settings, tenant: str, *, caller: Caller | None = None, gateway: Gateway | None = None,
                  tenant_overlay: TenantOverlay | None = None, sender: SenderProfile | None = None,
                  span_exporter: Any = None) -> AutopilotContext:
    """Everything one run needs, from settings. The autopilot's review-first overlay is always applied."""
    overlay = autopilot_overlay(tenant, tenant_overlay)
    if gateway is None:
        gateway = build_gateway(settings, overlays={tenant: overlay})
    else:
        gateway.set_overlay(overlay)
    masker = build_masker(settings)
    tracing = build_tracing(settings, masker, span_exporter=span_exporter)
    copywriter = build_copywriter(settings, masker, tracing=tracing, sender=sender,
                                  examples=build_copy_examples(settings, tenant, masker, segment_of=segment_of),
                                  recorder=ModelCallRecorder(ModelCallStore(gateway.store), tenant))
    return AutopilotContext(tenant=tenant, gateway=gateway, settings=settings, copywriter=copywriter, caller=caller,
                            tracing=tracing)


class StartResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    leads_read: int
    targets: int
    drafts: int
    pending: list[ApprovalRequest]
    outcomes: list[Outcome] = Field(description="Targets already settled (blocked, needs review, ...).")


class DecideResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    approval_id: str
    thread_id: str
    already_decided: bool = Field(description="True when the approval had been decided before this answer.")
    message_ar: str
    outcome: Outcome | None = None
    pending: list[ApprovalRequest] = Field(default_factory=list, description="Approvals still pending in the thread.")


def start_autopilot(ctx: AutopilotContext, checkpointer: BaseCheckpointSaver[Any], leads_path: Path,
                    top_n: int = 10, *, thread_id: str | None = None) -> StartResult:
    graph = build_autopilot_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant)
    config = thread_config(thread_id, tenant=ctx.tenant)
    result = graph.invoke({"leads_path": str(leads_path), "top_n": top_n}, config, context=ctx)
    ctx.tracing.flush()
    values = graph.get_state(config).values
    rank = {t.lead_id: t.rank for t in values.get("targets") or []}
    pending = [ApprovalRequest.model_validate(i.value) for i in result.get("__interrupt__", [])]
    pending.sort(key=lambda a: (rank.get(a.tool_call_id.split(":", 1)[0], 0), a.tool_call_id))
    settled = [o for o in (result.get("outcomes") or {}).values() if o.status != "awaiting_approval"]
    return StartResult(thread_id=thread_id, leads_read=values.get("leads_read", 0),
                       targets=len(values.get("targets") or []), drafts=_draft_count(graph, config, result),
                       pending=pending, outcomes=settled)


def _draft_count(graph: Any, config: Any, result: dict[str, Any]) -> int:
    drafts = dict(result.get("drafts") or {})
    for task in graph.get_state(config, subgraphs=True).tasks:
        if task.state is not None:
            drafts.update(task.state.values.get("drafts") or {})
    return len(drafts)


def list_pending(ctx: AutopilotContext) -> list[ApprovalRequest]:
    """Pending approvals of the tenant, across threads, straight from the gateway's database."""
    return sorted(ctx.gateway.pending_approvals(ctx.tenant), key=lambda a: (a.requested_at, a.approval_id))


def decide(ctx: AutopilotContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str, decision: Decision, *,
           edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
           reason: str | None = None) -> DecideResult:
    """Answer one approval by resuming its thread; the thread's own nodes resolve and execute it."""
    caller = ctx.caller
    if caller is None:
        raise DecisionError("لا يمكن اتخاذ قرار دون تحديد هوية المعتمد ودوره.", "A decision needs a caller.",
                            code="caller_missing")
    approval = ctx.gateway.get_approval(approval_id, ctx.tenant)  # NotFound across tenants
    unfinished = ctx.gateway.unfinished_token(approval_id, ctx.tenant) is not None
    if approval.status != "pending" and not unfinished:
        error = _already_decided(approval)
        return DecideResult(approval_id=approval_id, thread_id=approval.thread_id, already_decided=True,
                            message_ar=error)
    if caller.role not in approval.approver_roles:
        raise RoleNotAllowed(ctx.gateway.policy.message("role_not_allowed").reason_ar,
                             f"Role {caller.role.value} may not approve {approval.action_request.action}.")
    graph = build_autopilot_graph(checkpointer)
    config = thread_config(approval.thread_id, tenant=ctx.tenant)
    waiting = [i for i in graph.get_state(config).interrupts
               if isinstance(i.value, dict) and i.value.get("approval_id") == approval_id]
    if unfinished and not waiting:
        # A worker died after the decision, before its checkpoint: run the thread's pending tasks once more
        # (the ledger and its lease keep the execution to one).
        result = graph.invoke(None, config, context=ctx)
        ctx.tracing.flush()
        return _decided(ctx, approval, result)
    if not waiting:
        raise ApprovalError("هذه الموافقة لا ينتظرها أي مسار عمل حالياً؛ لم يتغير شيء.",
                            "No thread is waiting on this approval.", code="approval_not_awaited")
    args = {**approval.action_request.args, **(edited_args or {})} if decision == "edit" else None
    response = response_for(decision, action=edited_action or approval.action_request.action, args=args,
                            reason=reason)
    result = graph.invoke(Command(resume={waiting[0].id: response.model_dump(mode="json")}), config, context=ctx)
    ctx.tracing.flush()
    return _decided(ctx, approval, result)


def _decided(ctx: AutopilotContext, approval: ApprovalRequest, result: dict[str, Any]) -> DecideResult:
    approval_id = approval.approval_id
    lead_id = approval.tool_call_id.split(":", 1)[0]
    outcome = (result.get("outcomes") or {}).get(lead_id)
    after = ctx.gateway.get_approval(approval_id, ctx.tenant)
    pending = [ApprovalRequest.model_validate(i.value) for i in result.get("__interrupt__", [])]
    if after.status == "pending":
        message = "لم يُتخذ قرار؛ ما زالت الموافقة بانتظار مسؤول مخوّل."
    else:
        message = outcome.reason_ar if outcome is not None else _already_decided(after)
    return DecideResult(approval_id=approval_id, thread_id=approval.thread_id, already_decided=False,
                        message_ar=message, outcome=outcome, pending=pending)


_STATUS_AR = {"approved": "تمت الموافقة", "rejected": "رُفض", "consumed": "نُفِّذ", "superseded": "عُدِّل",
              "expired": "انتهت صلاحيته", "pending": "بانتظار القرار"}


def _already_decided(approval: ApprovalRequest) -> str:
    return f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[approval.status]})؛ لم يُنفَّذ شيء مرة أخرى."


def with_caller(ctx: AutopilotContext, caller: Caller) -> AutopilotContext:
    return replace(ctx, caller=caller)
