"""Adapters from the operator chat to the skills other packages build: negotiation, proof, partners,
support. Each calls that package's own service (which goes through the gateway and records what it
does, with the chatting person as the actor) and turns its result into a short reply.

Imports are local: an adapter only loads its package when its intent is asked for, and
:func:`skills.operator.handlers.runnable` checks that the package exists first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from skills.operator.context import OperatorContext, Turn
from skills.operator.intents import Intent
from skills.operator.replies import say
from skills.support.factory import build_service as build_support_service
from tools.saudi_time import RIYADH

MAX_LISTED = 5
Emit = Callable[[Any], None]


def negotiation_reply(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """A checked reply to the objection in the request (value first, no discount), and the next step."""
    from skills.negotiation.catalog import load_lexicon
    from skills.negotiation.factory import build_coach

    coach = build_coach(ctx.settings, tenant=ctx.tenant, gateway=ctx.gateway, clock=ctx.clock)
    result = coach.respond(intent.text, thread_id=turn.thread_id)
    lang = intent.lang
    lines = [say("negotiation.refused", lang, reason=r.reason_ar) for r in result.refusals]
    if result.reply.status != "ready" or not result.reply.body:
        return "\n".join([*lines, say("negotiation.needs_review", lang)])
    lexicon = load_lexicon()
    label = result.classification.label
    label_text = lexicon.classes[label].label_ar if label in lexicon.classes else lexicon.unknown_label_ar
    lines.append(say("negotiation.reply", lang, label=label_text if lang == "ar" else label.value,
                     body=result.reply.body))
    if result.close_plan.steps:
        step = result.close_plan.steps[0]
        lines.append(say("negotiation.next_step", lang, action=step.action_ar if lang == "ar" else step.action_en,
                         owner=step.owner_ar if lang == "ar" else step.owner, due=step.due_ar if lang == "ar"
                         else step.due.isoformat()))
    # A draft goes through the negotiation graph's approval, asked for in its own words ("negotiation_draft").
    lines.append(say("negotiation.draft_hint", lang))
    return "\n\n".join(lines)


def proof_pack(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """This Saudi working week's proof pack (Sunday to today), built and recorded as the person who asked."""
    from skills.proof.builder import ProofPackBuilder
    from skills.proof.period import period_from

    now = ctx.clock()
    today = now.astimezone(RIYADH).date()
    days = 30 if intent.period == "month" else (0 if intent.period == "today" else (today.weekday() + 1) % 7)
    period = period_from(today - timedelta(days=days), today, now)
    pack = ProofPackBuilder(ctx.gateway, clock=ctx.clock).build(ctx.tenant, period, actor=ctx.caller.user_id)
    lang = intent.lang
    lines = [say("proof.line", lang, label=line.label_ar if lang == "ar" else line.label_en, count=line.count)
             for line in pack.created if line.count] or [say("proof.empty", lang)]
    shown = f"{pack.period.start_ar} – {pack.period.end_ar}" if lang == "ar" \
        else f"{period.start.isoformat()} – {period.end.isoformat()}"
    return say("proof.summary", lang, period=shown, lines="\n".join(lines),
               protected=pack.protected.total, pending=pack.awaiting_approval.count, next=pack.next_action.title_ar)


def partner_suggestions(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """The tenant's best partner candidates by the explainable scorecard (recorded as partner.suggest)."""
    from skills.partners.factory import build_service

    service = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock, gateway=ctx.gateway)
    suggestions = service.suggest(intent.top_n or MAX_LISTED, thread_id=turn.thread_id)
    lang = intent.lang
    if not suggestions:
        return say("partners.none", lang)
    lines = [say("partners.header", lang, count=len(suggestions))]
    lines += [say("partners.line", lang, rank=s.rank, name=s.scorecard.partner_name, type=s.scorecard.type_ar,
                  score=s.scorecard.total, why=s.why_ar) for s in suggestions]
    return "\n".join(lines)


_PRIORITY = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def open_tickets(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """Open support tickets, highest priority and earliest due first (no contact details shown)."""
    service = build_support_service(ctx.settings, tenant=ctx.tenant, gateway=ctx.gateway, clock=ctx.clock)
    tickets = [t for t in service.tickets(limit=1000) if t.status in ("open", "in_progress")]
    lang = intent.lang
    if not tickets:
        return say("support.none", lang)
    tickets.sort(key=lambda t: (_PRIORITY.get(t.priority, 9), t.first_response_due, t.ticket_id))
    lines = [say("support.header", lang, count=len(tickets))]
    lines += [say("support.line", lang, ticket=t.ticket_id, category=t.classification.category_ar if lang == "ar"
                  else t.classification.category, priority=t.priority,
                  due=t.first_response_due.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M"))
              for t in tickets[:intent.top_n or MAX_LISTED]]
    return "\n".join(lines)


ADAPTERS: dict[str, Callable[[OperatorContext, Intent, Emit, Turn], str]] = {
    "negotiation_respond": negotiation_reply,
    "proof_pack": proof_pack,
    "partners": partner_suggestions,
    "support": open_tickets,
}
