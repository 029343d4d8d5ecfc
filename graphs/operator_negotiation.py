"""The operator chat's «حوّل الرد لمسودة واتساب»: a negotiation reply as a draft, through the negotiation graph.

    "خالد العتيبي يقول «السعر غالي»"  ─▶ negotiation_respond (the reply, shown; nothing drafted)
    "حوّل الرد لمسودة واتساب"          ─▶ negotiation_draft: the customer's message of that request (this one,
                                       else the latest earlier one in the conversation) and the lead it names
                                       ─▶ the negotiation graph (graphs.negotiation.start_negotiation) over the
                                       lead's own record ─▶ gmail.draft / whatsapp.draft waiting in the approvals
                                       inbox, or refused by the gateway with its reason (no WhatsApp opt-in)

The customer's words are data: they choose the objection answered and nothing else. The graph runs in a
fresh context (its own thread), like the autopilot the chat starts.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.messages import AnyMessage, HumanMessage

from graphs.negotiation import build_negotiation_context, start_negotiation
from skills.negotiation.lead import deal_for_lead
from skills.operator.classifier import classify
from skills.operator.context import OperatorContext, Turn
from skills.operator.desk import find_lead, quoted_or_whole
from skills.operator.events import ApprovalRequestEvent, ApprovalView
from skills.operator.intents import Intent
from skills.operator.replies import channel_label, say
from skills.operator.understand import understand
from skills.targeting.factory import build_service
from tools.saudi_time import RIYADH

Emit = Callable[[Any], None]
RESPOND = "negotiation_respond"


def earlier_requests(messages: Sequence[AnyMessage]) -> list[str]:
    """The person's requests before the latest one, oldest first."""
    asked = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    return asked[:-1]


def _customer_request(ctx: OperatorContext, intent: Intent, earlier: Sequence[str]) -> str | None:
    """The request that carried the customer's message (it quotes someone, or asks for a reply to an objection):
    this one when it does, else the latest earlier one."""
    today = ctx.clock().astimezone(RIYADH).date()
    for text in (intent.text, *reversed(earlier)):
        if quoted_or_whole(text) != text:
            return text
        read = understand(text, today=today)
        if any(step.intent == RESPOND for step in read.steps) or (not read.steps and classify(text).intent == RESPOND):
            return text
    return None


def draft_reply(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn, earlier: Sequence[str]) -> str:
    lang = intent.lang
    channel: Literal["email", "whatsapp"] = "whatsapp" if intent.slots.channel == "whatsapp" else "email"
    request = _customer_request(ctx, intent, earlier)
    if request is None:
        return say("negotiation.nothing_to_draft", lang)
    lead = find_lead(ctx, None, intent.text) or find_lead(ctx, None, request)
    if lead is None:
        return say("negotiation.name_for_draft", lang)
    targeting = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock)
    try:
        deal = deal_for_lead(targeting.repository, ctx.tenant, lead.lead_id, channel)
    finally:
        targeting.repository.close()
    negotiation = build_negotiation_context(ctx.settings, ctx.tenant, caller=ctx.caller, gateway=ctx.gateway,
                                            clock=ctx.clock)
    # A fresh context: the negotiation is its own graph and thread, not a subgraph of this chat turn.
    run = contextvars.Context().run(start_negotiation, negotiation, ctx.checkpointer, quoted_or_whole(request), deal)
    name, shown = lead.contact_name or lead.company_name, channel_label(channel, lang)
    if run.pending is not None:
        emit(ApprovalRequestEvent(approval=ApprovalView.of(run.pending, ctx.gateway.policy, ctx.caller.role)))
        return say("negotiation.draft_waiting", lang, channel=shown, name=name,
                   body=str(run.pending.action_request.args.get("body", "")))
    reason = run.outcome.reason_ar if run.outcome is not None and run.outcome.reason_ar else "-"
    return say("negotiation.draft_refused", lang, channel=shown, name=name, reason=reason)
