"""The negotiation graph's skill nodes: thin adapters between graph state and :class:`NegotiationCoach`.

    classify ... the objection class, confidence and evidence (pure; nothing recorded yet)
    respond .... refusals of a hostile seller request, the checked reply and the close plan (recorded
                 through the gateway), then the reply as one ``gmail.draft`` / ``whatsapp.draft`` call
                 of the negotiation_coach skill; no call when the reply needs review or has no address

All act as the ``negotiation_coach`` skill. The reply then goes through the shared approval subgraph
(:mod:`skills.approval`); :meth:`NegotiationContext.refuse_before_execution` is its last check: an
approver's edit that promises an outcome or opens with a price cut is refused (reason_ar, audit) and
never executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from skills.approval import ApprovalState, GovernedContext, Outcome
from skills.negotiation.catalog import load_rules
from skills.negotiation.coach import SKILL, NegotiationCoach
from skills.negotiation.models import Classification, DealContext, NegotiationResult, Reply
from skills.negotiation.screen import screen_draft_text
from skills.run_context import bound
from tools.models import ApprovalRequest, ToolCall


@dataclass(frozen=True, kw_only=True)
class NegotiationContext(GovernedContext):
    coach: NegotiationCoach

    def refuse_before_execution(self, call: ToolCall, approval: ApprovalRequest | None,
                                thread_id: str) -> Outcome | None:
        """An approver's edit that promises an outcome or opens with a price cut is refused (reason_ar, audit)."""
        body, subject = str(call.args.get("body", "")), call.args.get("subject")
        violations = screen_draft_text(subject=str(subject) if subject else None, body=body,
                                       masker=self.gateway.masker)
        if not violations:
            return None
        violation = violations[0]
        decision = self.gateway.decide(ToolCall(
            tenant=self.tenant, skill=SKILL, action=violation.action, thread_id=thread_id,
            tool_call_id=f"{call.tool_call_id}:edit_refused", contact_id=None,
            args={"draft_action": call.action, "matched": violation.matched},
        )).decision
        return Outcome(status="blocked", action=call.action, approval_id=approval.approval_id if approval else None,
                       reason_ar=decision.reason_ar, reason_code=decision.reason_code)


class NegotiationInput(TypedDict, total=False):
    text: str
    deal: DealContext
    seller_request: str | None


class NegotiationState(ApprovalState, total=False):
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


def classify(state: NegotiationState, runtime: Runtime[Any]) -> dict[str, Any]:
    return {"classification": bound(runtime, NegotiationContext).coach.classify(state["text"])}


def respond(state: NegotiationState, runtime: Runtime[Any]
            ) -> Command[Literal["approval", "__end__"]]:
    ctx = bound(runtime, NegotiationContext)
    classification = state.get("classification")
    assert classification is not None
    deal = DealContext.model_validate(state.get("deal") or {})  # a model in-process, JSON from Studio
    thread_id = _thread_id()
    result = ctx.coach.respond_to(state["text"], classification, deal, seller_request=state.get("seller_request"),
                                  thread_id=thread_id)
    messages = load_rules().messages
    if result.reply.status != "ready":
        return Command(goto="__end__", update={"result": result, "call": None, "outcome": Outcome(
            status="needs_review", reason_ar=messages["reply_needs_review"].ar, reason_code="guard_failed")})
    if not recipient(deal):
        return Command(goto="__end__", update={"result": result, "call": None, "outcome": Outcome(
            status="refused", reason_ar=messages["recipient_missing"].ar, reason_code="recipient_missing")})
    return Command(goto="approval",
                   update={"result": result, "call": draft_call(ctx.tenant, deal, result.reply, thread_id)})
