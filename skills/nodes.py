"""The autopilot's skill nodes: thin adapters between graph state and domain logic.

Each node is named for the skill it acts as, and every tool call it makes names that skill, so
the gateway's least privilege applies. The only way out of any node is the gateway.

Re-execution safety. LangGraph re-runs an interrupted node from its start on resume, so
``human_approval`` does nothing before its ``interrupt``; the gateway is only asked to resolve
after it, and the connector only runs in ``execution_governor``, a separate node, through the
gateway's side-effect ledger (once per thread, call and arguments). A node that re-runs after a
crash, a second resume, or a replay from an earlier checkpoint meets the ledger and the approval
book, which answer "already executed" / "already decided" instead of acting twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command, Send, interrupt

from agents.copywriter import Draft, LeadBrief
from graphs.approvals import answer_approval
from graphs.context import AutopilotContext
from graphs.state import AutopilotState, Outcome, OutreachState, ProofSummary
from skills.simple_targeting import OutreachTarget, rank_leads_file
from tools.approvals import approval_id_of
from tools.errors import ApprovalError, ConnectorError
from tools.models import ApprovalRequest, GatewayResult, Mode, ToolCall

_NEEDS_REVIEW_AR = "لم تجتز المسودة فحص الجودة والسلامة بعد إعادة المحاولة؛ أُحيلت للمراجعة ولن يُنفَّذ شيء."


def _thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def _outcome(target: OutreachTarget, status: Any, **fields: Any) -> dict[str, Outcome]:
    return {target.lead_id: Outcome(lead_id=target.lead_id, company_name=target.company_name, status=status,
                                    **fields)}


# --------------------------------------------------------------------------------- the thread
def targeting_analyst(state: AutopilotState, runtime: Runtime[AutopilotContext]) -> dict[str, Any]:
    """Leads file -> clean, dedupe, rank -> top N. Records the ranking with the gateway (internal)."""
    ctx = runtime.context
    ranked = rank_leads_file(Path(state["leads_path"]), tenant=ctx.tenant, top_n=state["top_n"])
    ctx.gateway.invoke(ToolCall(
        tenant=ctx.tenant, skill="targeting_analyst", action="targeting.rank", thread_id=_thread_id(),
        tool_call_id="targeting_analyst:rank",
        args={"rows_read": ranked.rows_read, "ranked": len(ranked.all_targets), "top_n": state["top_n"],
              "targets": [t.lead_id for t in ranked.targets]},
    ))
    return {"leads_read": ranked.rows_read, "targets": list(ranked.targets)}


def fan_out(state: AutopilotState) -> list[Send] | Literal["proof_pack_builder"]:
    """One outreach branch per target, each with the names and contact points it must not mention."""
    targets = state.get("targets") or []
    if not targets:
        return "proof_pack_builder"
    return [
        Send("outreach", {
            "target": target,
            "other_names": [t.contact_name for t in targets if t.lead_id != target.lead_id and t.contact_name],
            "other_contacts": [c for t in targets if t.lead_id != target.lead_id for c in t.contact_points],
        })
        for target in targets
    ]


def proof_pack_builder(state: AutopilotState, runtime: Runtime[AutopilotContext]) -> dict[str, Any]:
    """Close the thread: count outcomes and record the proof pack decision (internal, suggest-only)."""
    ctx = runtime.context
    counts: dict[str, int] = {}
    for outcome in (state.get("outcomes") or {}).values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    result = ctx.gateway.invoke(ToolCall(
        tenant=ctx.tenant, skill="proof_pack_builder", action="proof.pack_build", thread_id=_thread_id(),
        tool_call_id="proof_pack_builder:pack", args={"counts": dict(sorted(counts.items()))},
    ))
    return {"proof": ProofSummary(counts=counts, audit_event=result.decision.audit_event)}


# --------------------------------------------------------------------------------- one target
def saudi_copywriter(state: OutreachState, runtime: Runtime[AutopilotContext]
                     ) -> Command[Literal["safe_action_reviewer", "__end__"]]:
    """One guarded draft for the target. A draft that fails the guard goes to review, never further."""
    target = state["target"]
    brief = _brief(target)
    draft = runtime.context.copywriter.write(brief, other_names=tuple(state.get("other_names") or ()),
                                             other_contacts=tuple(state.get("other_contacts") or ()))
    update: dict[str, Any] = {"draft": draft, "drafts": {target.lead_id: draft}}
    if draft.status != "ready":
        update["outcomes"] = _outcome(target, "needs_review", reason_ar=_NEEDS_REVIEW_AR, reason_code="guard_failed")
        return Command(goto="__end__", update=update)
    return Command(goto="safe_action_reviewer", update=update)


def _brief(target: OutreachTarget) -> LeadBrief:
    return LeadBrief(lead_id=target.lead_id, channel=target.channel, language=target.language,
                     company_name=target.company_name, contact_name=target.contact_name, title=target.title,
                     city=target.city, sector=target.sector, contact_points=target.contact_points)


def _draft_call(ctx: AutopilotContext, target: OutreachTarget, draft: Draft) -> ToolCall:
    if draft.channel == "email":
        action, args = "gmail.draft", {"to": target.email, "subject": draft.subject or "", "body": draft.body}
    else:
        action, args = "whatsapp.draft", {"to": target.phone, "body": draft.body}
    return ToolCall(tenant=ctx.tenant, skill="saudi_copywriter", action=action, args=args, thread_id=_thread_id(),
                    tool_call_id=f"{target.lead_id}:{action}", contact_id=target.lead_id)


def safe_action_reviewer(state: OutreachState, runtime: Runtime[AutopilotContext]
                         ) -> Command[Literal["human_approval", "execution_governor", "__end__"]]:
    """Ask the gateway about the one action this draft stands for. Decides and records; never executes."""
    ctx, target, draft = runtime.context, state["target"], state["draft"]
    assert draft is not None
    call = _draft_call(ctx, target, draft)
    result = ctx.gateway.decide(call)
    decision = result.decision
    if decision.mode == Mode.blocked:
        return Command(goto="__end__", update={"outcomes": _outcome(
            target, "blocked", action=decision.action, reason_ar=decision.reason_ar, reason_code=decision.reason_code)})
    if decision.mode == Mode.approval_required and result.approval is not None:
        return Command(goto="human_approval", update={
            "call": call, "approval": result.approval, "token": None,
            "outcomes": _outcome(target, "awaiting_approval", action=decision.action,
                                 approval_id=result.approval.approval_id, reason_ar=decision.reason_ar,
                                 reason_code=decision.reason_code)})
    return Command(goto="execution_governor", update={"call": call, "approval": None, "token": None})


def human_approval(state: OutreachState, runtime: Runtime[AutopilotContext]
                   ) -> Command[Literal["human_approval", "execution_governor", "__end__"]]:
    """Wait for a person. Nothing before ``interrupt``: this node re-runs from the top on every resume."""
    approval = state["approval"]
    assert approval is not None
    raw = interrupt(approval.model_dump(mode="json"))

    ctx, target, call = runtime.context, state["target"], state["call"]
    assert call is not None
    try:
        answer = answer_approval(ctx.gateway, approval, ctx.caller, ctx.tenant, raw)
    except ApprovalError as exc:
        return _after_decided_elsewhere(ctx, target, approval, exc)
    if answer is None:
        return Command(goto="human_approval")  # still pending: no answer to act on yet
    caller, mapped, decision = answer.caller, answer.mapped, answer.decision
    if decision.verdict == "reject":
        return Command(goto="__end__", update={"outcomes": _outcome(
            target, "rejected", action=call.action, approval_id=approval.approval_id, decided_by=caller.user_id,
            reason_ar=f"رُفض الإجراء من {caller.role.value}" + (f": {mapped.reason}" if mapped.reason else "."),
            reason_code="rejected")})
    if decision.verdict == "approve":
        return Command(goto="execution_governor", update={"token": decision.token})
    new = decision.new_decision
    assert new is not None and mapped.edited_args is not None
    edited_call = call.model_copy(update={"action": new.action, "args": mapped.edited_args})
    if new.mode == Mode.blocked:
        return Command(goto="__end__", update={"call": edited_call, "outcomes": _outcome(
            target, "blocked", action=new.action, approval_id=approval.approval_id, reason_ar=new.reason_ar,
            reason_code=new.reason_code, decided_by=caller.user_id)})
    if decision.token is not None:
        return Command(goto="execution_governor", update={"call": edited_call, "token": decision.token})
    assert new.approval_id is not None  # the edit needs another role's approval: wait for it
    follow_up = ctx.gateway.get_approval(new.approval_id, ctx.tenant)
    return Command(goto="human_approval", update={
        "call": edited_call, "approval": follow_up,
        "outcomes": _outcome(target, "awaiting_approval", action=new.action, approval_id=new.approval_id,
                             reason_ar=new.reason_ar, reason_code=new.reason_code)})


def _after_decided_elsewhere(ctx: AutopilotContext, target: OutreachTarget, approval: ApprovalRequest,
                             exc: ApprovalError) -> Command[Literal["human_approval", "execution_governor", "__end__"]]:
    """A second answer, a replay, or a crash after the decision: never a second decision or execution."""
    token = ctx.gateway.unfinished_token(approval.approval_id, ctx.tenant)
    if token is not None:  # decided but not delivered (a crash after the decision): finish the job once
        return Command(goto="execution_governor", update={"token": token})
    return Command(goto="__end__", update={"outcomes": _outcome(
        target, "already_decided", action=approval.action_request.action, approval_id=approval.approval_id,
        reason_ar=exc.message_ar, reason_code=exc.code)})


def execution_governor(state: OutreachState, runtime: Runtime[AutopilotContext]) -> dict[str, Any]:
    """Run exactly what was approved, through the gateway and its ledger: at most once.

    An approved draft that left (or had already left) becomes an example for the copywriter's
    next leads, under its approval id (remembering it again replaces it)."""
    ctx, target, call = runtime.context, state["target"], state["call"]
    assert call is not None
    try:
        result = ctx.gateway.execute(call, approval_token=state.get("token"))
    except ConnectorError as exc:
        return {"outcomes": _outcome(target, "not_executed", action=call.action, reason_ar=exc.message_ar,
                                     reason_code=exc.code)}
    outcome = _execution_outcome(target, call, result, state.get("approval"))
    token, draft = state.get("token"), state.get("draft")
    if token and outcome.status in ("executed", "already_executed") and isinstance(call.args.get("body"), str):
        ctx.copywriter.learn(_brief(target), approval_id=approval_id_of(token), action=call.action,
                             subject=call.args.get("subject"), body=call.args["body"],
                             original_body=draft.body if draft is not None else None)
    return {"outcomes": {target.lead_id: outcome}}


def _execution_outcome(target: OutreachTarget, call: ToolCall, result: GatewayResult,
                       approval: ApprovalRequest | None) -> Outcome:
    execution = result.execution
    status = execution.status if execution is not None else "not_executed"
    if status in ("in_doubt", "in_progress"):  # not (yet) delivered by this run
        status = "not_executed"
    return Outcome(lead_id=target.lead_id, company_name=target.company_name, status=status,
                   action=result.decision.action, approval_id=approval.approval_id if approval else None,
                   reason_ar=result.decision.reason_ar, reason_code=result.decision.reason_code,
                   ledger_id=execution.ledger_id if execution else None,
                   outbox_path=execution.outbox_path if execution else None)
