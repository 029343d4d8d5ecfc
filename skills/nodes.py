"""The autopilot's skill nodes: thin adapters between graph state and domain logic.

    targeting_analyst ─▶ (one outreach branch per chosen lead)
      outreach: saudi_copywriter ─▶ approval subgraph (skills.approval) ─▶ record_outcome

Each node is named for the skill it acts as, and every tool call it makes names that skill, so
the gateway's least privilege applies. The only way out of any node is the gateway. Whom to write
to comes from the Targeting OS (:func:`skills.outreach.choose_targets`), the same choice the daily
plan and the operator make; the recipient is checked again by the gateway for every draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import Annotated, Any, Literal, Self, TypeVar

from langgraph.runtime import Runtime
from langgraph.types import Command, Send
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from agents.copywriter import Copywriter, Draft, LeadBrief
from agents.learning import Later
from agents.tracing import Tracing
from skills.approval import ApprovalState, GovernedContext, Outcome, thread_id
from skills.outreach import choose_targets
from skills.run_context import bound
from skills.targeting.outreach import OutreachTarget, brief_signals
from skills.targeting.repository import lead_still_known
from skills.targeting.service import TargetingService
from tools.approvals import approval_id_of
from tools.models import ToolCall

_NEEDS_REVIEW_AR = "لم تجتز المسودة فحص الجودة والسلامة بعد إعادة المحاولة؛ أُحيلت للمراجعة ولن يُنفَّذ شيء."

T = TypeVar("T")


def merge_by_key(left: dict[str, T] | None, right: dict[str, T] | None) -> dict[str, T]:
    """Reducer: later writes for the same key replace earlier ones; other keys are kept."""
    return {**(left or {}), **(right or {})}


class ProofSummary(BaseModel):
    """The thread's closing summary: counts by outcome, recorded as a proof pack decision."""

    model_config = ConfigDict(frozen=True)

    counts: dict[str, int] = Field(description="Outcome status -> number of targets.")
    audit_event: str | None = Field(default=None, description="Audit event of the proof pack decision.")


class AutopilotInput(TypedDict, total=False):
    top_n: int
    lead_ids: list[str] | None


class AutopilotState(TypedDict, total=False):
    """The thread. Keyed dicts make every write idempotent: a re-run overwrites its own entry."""

    top_n: int
    lead_ids: list[str] | None
    ranked: int
    targets: list[OutreachTarget]
    drafts: Annotated[dict[str, Draft], merge_by_key]
    outcomes: Annotated[dict[str, Outcome], merge_by_key]
    proof: ProofSummary | None


class OutreachState(ApprovalState, total=False):
    """One chosen lead (a branch of its own, so each approval is answered and executed alone)."""

    target: OutreachTarget
    other_names: list[str]
    other_contacts: list[str]
    draft: Draft | None
    drafts: Annotated[dict[str, Draft], merge_by_key]
    outcomes: Annotated[dict[str, Outcome], merge_by_key]


@dataclass(frozen=True, kw_only=True)
class AutopilotContext(GovernedContext):
    """What the autopilot's nodes use: the gateway and caller (approval path), the Targeting OS, the copywriter."""

    targeting: TargetingService
    copywriter: Copywriter
    tracing: Tracing = field(default_factory=Tracing.disabled)

    def learning_later(self) -> tuple[Self, Later | None]:
        """The drafts a resume approves are learned after its answers, on the learner's thread, each only
        if its lead is still in the lead directory then (an erasure in between leaves no example)."""
        copywriter, later = self.copywriter.learning_later(
            keep=partial(lead_still_known, self.targeting.repository, self.tenant))
        return replace(self, copywriter=copywriter), later


def _outcome(target: OutreachTarget, status: Any, **fields: Any) -> dict[str, Outcome]:
    return {target.lead_id: Outcome(lead_id=target.lead_id, company_name=target.company_name, status=status,
                                    **fields)}


# --------------------------------------------------------------------------------- the thread
def targeting_analyst(state: AutopilotState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Today's picks from the Targeting OS (the daily plan's choice, ``top_n`` of them, or the named ``lead_ids``).
    Recorded with the gateway."""
    ctx = bound(runtime, AutopilotContext)
    top_n = state.get("top_n") or 10
    choice = choose_targets(ctx.targeting, top=top_n, lead_ids=state.get("lead_ids"))
    ctx.gateway.invoke(ToolCall(
        tenant=ctx.tenant, skill="targeting_analyst", action="targeting.rank", thread_id=thread_id(),
        tool_call_id="targeting_analyst:rank",
        args={"ranked": choice.ranked, "pool": len(choice.pool), "top_n": top_n,
              "targets": [t.lead_id for t in choice.targets]},
    ))
    return {"ranked": choice.ranked, "targets": choice.targets}


def outreach_branches(targets: list[OutreachTarget]) -> list[Send]:
    """One outreach branch per target, each with the names and contact points it must not mention."""
    return [
        Send("outreach", {
            "target": target,
            "other_names": [t.contact_name for t in targets if t.lead_id != target.lead_id and t.contact_name],
            "other_contacts": [c for t in targets if t.lead_id != target.lead_id for c in t.contact_points],
        })
        for target in targets
    ]


def fan_out(state: AutopilotState) -> list[Send] | Literal["proof_pack_builder"]:
    return outreach_branches(state.get("targets") or []) or "proof_pack_builder"


def proof_pack_builder(state: AutopilotState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Close the thread: count outcomes and record the proof pack decision (internal, suggest-only)."""
    ctx = bound(runtime, AutopilotContext)
    counts: dict[str, int] = {}
    for outcome in (state.get("outcomes") or {}).values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    result = ctx.gateway.invoke(ToolCall(
        tenant=ctx.tenant, skill="proof_pack_builder", action="proof.pack_build", thread_id=thread_id(),
        tool_call_id="proof_pack_builder:pack", args={"counts": dict(sorted(counts.items()))},
    ))
    return {"proof": ProofSummary(counts=counts, audit_event=result.decision.audit_event)}


# --------------------------------------------------------------------------------- one target
def saudi_copywriter(state: OutreachState, runtime: Runtime[Any]
                     ) -> Command[Literal["approval", "record_outcome"]]:
    """One guarded draft for the target, as one draft call. A draft that fails the guard goes to review."""
    ctx, target = bound(runtime, AutopilotContext), state["target"]
    brief = lead_brief(target)
    draft = ctx.copywriter.write(brief, other_names=tuple(state.get("other_names") or ()),
                                 other_contacts=tuple(state.get("other_contacts") or ()))
    update: dict[str, Any] = {"draft": draft, "drafts": {target.lead_id: draft}}
    if draft.status != "ready":
        update["outcome"] = Outcome(status="needs_review", reason_ar=_NEEDS_REVIEW_AR, reason_code="guard_failed")
        return Command(goto="record_outcome", update=update)
    return Command(goto="approval", update={**update, "call": draft_call(ctx.tenant, target, draft, thread_id())})


def lead_brief(target: OutreachTarget) -> LeadBrief:
    return LeadBrief(lead_id=target.lead_id, channel=target.channel, language=target.language,
                     company_name=target.company_name, contact_name=target.contact_name, title=target.title,
                     city=target.city, sector=target.sector, contact_points=target.contact_points,
                     signals=brief_signals(target.signals))


def draft_call(tenant: str, target: OutreachTarget, draft: Draft, thread: str) -> ToolCall:
    """The one external action a draft stands for, addressed to the target's own contact point."""
    if draft.channel == "email":
        action, args = "gmail.draft", {"to": target.email, "subject": draft.subject or "", "body": draft.body}
    else:
        action, args = "whatsapp.draft", {"to": target.phone, "body": draft.body}
    return ToolCall(tenant=tenant, skill="saudi_copywriter", action=action, args=args, thread_id=thread,
                    tool_call_id=f"{target.lead_id}:{action}", contact_id=target.lead_id)


def record_outcome(state: OutreachState, runtime: Runtime[Any]) -> dict[str, Any]:
    """Key the branch's outcome by lead; an approved draft that left becomes an example for the copywriter.

    Learning is keyed by the approval id, so a re-run of this node replaces the example, never adds one."""
    ctx, target = bound(runtime, AutopilotContext), state["target"]
    outcome = state.get("outcome") or Outcome(status="not_executed")
    outcome = outcome.model_copy(update={"lead_id": target.lead_id, "company_name": target.company_name})
    call, token, draft = state.get("call"), state.get("token"), state.get("draft")
    if call is not None and token and outcome.status in ("executed", "already_executed") \
            and isinstance(call.args.get("body"), str):
        ctx.copywriter.learn(lead_brief(target), approval_id=approval_id_of(token), action=call.action,
                             subject=call.args.get("subject"), body=call.args["body"],
                             original_body=draft.body if draft is not None else None)
    return {"outcomes": {target.lead_id: outcome}}


# Every model of this module that may sit in a checkpoint (the checkpointer's msgpack allowlist).
AUTOPILOT_STATE_TYPES: tuple[type, ...] = (OutreachTarget, ProofSummary)

__all__ = ["AUTOPILOT_STATE_TYPES", "AutopilotContext", "AutopilotInput", "AutopilotState", "OutreachState",
           "ProofSummary", "draft_call", "fan_out", "lead_brief", "merge_by_key", "outreach_branches",
           "proof_pack_builder",
           "record_outcome", "saudi_copywriter", "targeting_analyst"]
