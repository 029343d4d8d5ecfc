"""The negotiation graph's skill nodes: thin adapters between graph state and :class:`NegotiationCoach`.

    classify ... the objection class, confidence and evidence (pure; nothing recorded yet)
    respond .... refusals of a hostile seller request, the checked reply and the close plan (recorded
                 through the gateway), then the reply as one ``gmail.draft`` / ``whatsapp.draft`` call
                 of the negotiation_coach skill; no call when the reply needs review or has no address
    execution_governor
                 the shared execution node, behind one more check: an approver's edit that promises an
                 outcome or opens with a price cut is refused (reason_ar, audit) and never executed

All act as the ``negotiation_coach`` skill. The review and approval nodes are the shared ones in
:mod:`graphs.message_approval`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from graphs.message_approval import DraftApprovalState, DraftOutcome, GovernedContext
from graphs.message_approval import execution_governor as run_approved
from skills.negotiation.catalog import load_rules
from skills.negotiation.coach import SKILL, NegotiationCoach
from skills.negotiation.models import Classification, DealContext, NegotiationResult, Reply
from skills.negotiation.screen import screen_draft_text
from tools.models import ToolCall


@dataclass(frozen=True, kw_only=True)
class NegotiationContext(GovernedContext):
    coach: NegotiationCoach


class NegotiationInput(TypedDict, total=False):
    text: str
    deal: DealContext
    seller_request: str | None


class NegotiationState(DraftApprovalState, total=False):
    text: str
    deal: DealContext
    seller_request: str | None
    classification: Classification | None
    result: NegotiationResult | None


def _thread_id() -> str:
    return str(get_config()["configurable"]["thread_id"])


def recipient(deal: DealContext) -> str:
    """The reply's address on its channel ('' when the deal has none)."""
    return (deal.email if deal.channel == "email" else deal.phone).strip()


def draft_call(tenant: str, deal: DealContext, reply: Reply, thread_id: str) -> ToolCall:
    """The one external action a reply stands for: a draft on the deal's channel, never a send."""
    if deal.channel == "email":
        action, args = "gmail.draft", {"to": recipient(deal), "subject": reply.subject or "", "body": reply.body}
    else:
        action, args = "whatsapp.draft", {"to": recipient(deal), "body": reply.body}
    return ToolCall(tenant=tenant, skill=SKILL, action=action, args=args, thread_id=thread_id,
                    tool_call_id=f"{deal.deal_id}:{action}", contact_id=deal.deal_id)


def classify(state: NegotiationState, runtime: Runtime[NegotiationContext]) -> dict[str, Any]:
    return {"classification": runtime.context.coach.classify(state["text"])}


def respond(state: NegotiationState, runtime: Runtime[NegotiationContext]
            ) -> Command[Literal["safe_action_reviewer", "__end__"]]:
    ctx = runtime.context
    classification = state.get("classification")
    assert classification is not None
    deal = state.get("deal") or DealContext()
    thread_id = _thread_id()
    result = ctx.coach.respond_to(state["text"], classification, deal, seller_request=state.get("seller_request"),
                                  thread_id=thread_id)
    messages = load_rules().messages
    if result.reply.status != "ready":
        return Command(goto="__end__", update={"result": result, "call": None, "outcome": DraftOutcome(
            status="needs_review", reason_ar=messages["reply_needs_review"].ar, reason_code="guard_failed")})
    if not recipient(deal):
        return Command(goto="__end__", update={"result": result, "call": None, "outcome": DraftOutcome(
            status="refused", reason_ar=messages["recipient_missing"].ar, reason_code="recipient_missing")})
    return Command(goto="safe_action_reviewer",
                   update={"result": result, "call": draft_call(ctx.tenant, deal, result.reply, thread_id)})


def execution_governor(state: NegotiationState, runtime: Runtime[NegotiationContext]) -> dict[str, Any]:
    """Run the approved draft (shared node), unless an edit made it promise an outcome or open with a price cut."""
    ctx = runtime.context
    call = state.get("call")
    assert call is not None
    body, subject = str(call.args.get("body", "")), call.args.get("subject")
    violations = screen_draft_text(subject=str(subject) if subject else None, body=body,
                                   masker=ctx.gateway.masker)
    if not violations:
        return run_approved(state, runtime)
    violation = violations[0]
    decision = ctx.gateway.decide(ToolCall(
        tenant=ctx.tenant, skill=SKILL, action=violation.action, thread_id=_thread_id(),
        tool_call_id=f"{call.tool_call_id}:edit_refused", contact_id=None,
        args={"draft_action": call.action, "matched": violation.matched},
    )).decision
    approval = state.get("approval")
    return {"outcome": DraftOutcome(status="blocked", action=call.action,
                                    approval_id=approval.approval_id if approval else None,
                                    reason_ar=decision.reason_ar, reason_code=decision.reason_code)}
