"""The operator chat's skill adapters: one function per intent, from a routed request to a reply.

Each adapter is thin: it asks the gateway for the skill's internal action (so least privilege and
the audit log apply to the chat exactly as to the autopilot), calls the domain module, streams
what happens (tool calls, approval requests) through ``emit`` and returns the reply text.
Intents whose module does not exist yet answer that the capability is not available: no
invented output.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from skills.operator.context import OperatorContext, Turn
from skills.operator.desk import find_lead, quoted_or_whole
from skills.operator.events import ApprovalRequestEvent, ApprovalView, ThreadEvent, ToolCallEvent
from skills.operator.external import ADAPTERS
from skills.operator.intents import OPERATOR_SKILL, Intent, load_intents
from skills.operator.labels import label as action_label
from skills.operator.replies import channel_label, say
from skills.outreach import choose_targets
from skills.targeting.service import TargetingService
from tools.errors import GatewayError
from tools.models import ApprovalRequest, GatewayResult, Mode, ToolCall
from tools.saudi_time import RIYADH

Emit = Callable[[ThreadEvent], None]
Handler = Callable[[OperatorContext, Intent, Emit, Turn], str]

MAX_APPROVALS_SHOWN = 10

def ask_gateway(ctx: OperatorContext, skill: str, action: str, turn: Turn, args: dict[str, Any],
                emit: Emit) -> GatewayResult:
    """Ask the gateway for a skill's internal action (recorded) and stream the decision."""
    result = ctx.gateway.invoke(ToolCall(tenant=ctx.tenant, skill=skill, action=action, args=args,
                                         thread_id=turn.thread_id, tool_call_id=turn.call_id(action)),
                                actor=ctx.caller.user_id)
    emit(ToolCallEvent.of(skill, result))
    return result


def _card_for(ctx: OperatorContext, approval: ApprovalRequest) -> dict[str, Any] | None:
    """The approval's decision card from the cards module, when that module is present."""
    if importlib.util.find_spec("skills.cards") is None:
        return None
    from skills.cards.factory import CardFactory

    try:
        card = CardFactory(ctx.tenant, policy=ctx.gateway.policy, clock=ctx.clock).from_approval(approval)
    except (ValueError, GatewayError):  # a card that cannot be built leaves the plain approval view
        return None
    return card.model_dump(mode="json")


def _emit_approvals(ctx: OperatorContext, approvals: list[ApprovalRequest], emit: Emit) -> None:
    for approval in approvals[:MAX_APPROVALS_SHOWN]:
        emit(ApprovalRequestEvent(approval=ApprovalView.of(approval, ctx.gateway.policy, ctx.caller.role),
                                  card=_card_for(ctx, approval)))


# ------------------------------------------------------------------------------ targeting
def rank_targets(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """Today's top targets from the Targeting OS, then one autopilot run that drafts for them."""
    from skills.targeting.factory import build_service

    lang, top = intent.lang, intent.top_n or 10
    service = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock)
    ranked = service.targets()
    if not ranked:
        return say("targeting.no_leads", lang)
    asked = ask_gateway(ctx, "targeting_analyst", "targeting.rank", turn, {"top": top, "leads": len(ranked)}, emit)
    if asked.decision.mode == Mode.blocked:
        return say("gateway.blocked", lang, reason=asked.decision.reason_ar)
    choice = choose_targets(service, top=top)  # the autopilot's and the daily plan's choice
    picks = service.daily(ranked=ranked, top=top).top[:top]
    if not picks:
        return say("targeting.no_safe", lang, total=len(ranked))
    day = ctx.clock().astimezone(RIYADH).date().isoformat()
    lines = [say("targeting.header", lang, count=len(picks), day=day)]
    for pick in picks:
        t = pick.target
        lines.append(say("targeting.line", lang, rank=pick.rank, company=t.company_name, contact=t.contact_name or "-",
                         channel=channel_label(t.channel.channel, lang),
                         why=pick.why_now_ar[0] if pick.why_now_ar and lang == "ar" else ""))
    existing = ctx.threads.autopilot_for_day(ctx.tenant, day)
    if existing is not None:
        waiting = [a for a in ctx.gateway.pending_approvals(ctx.tenant) if a.thread_id == existing.thread_id]
        _emit_approvals(ctx, waiting, emit)
        return "\n".join([*lines, "", say("targeting.already_prepared", lang, count=len(waiting))])
    started = _start_autopilot(ctx, service, top, day) if choice.targets else None
    if started is None:
        return "\n".join([*lines, "", say("targeting.no_drafts", lang)])
    _emit_approvals(ctx, started.pending, emit)
    closing = say("targeting.drafts_ready", lang, count=len(started.pending)) if started.pending \
        else say("targeting.no_drafts", lang)
    return "\n".join([*lines, "", closing])


def _start_autopilot(ctx: OperatorContext, service: TargetingService, top: int, day: str, *,
                     lead_ids: list[str] | None = None, kind_title: str | None = None) -> Any:
    """One autopilot thread over today's picks from the Targeting OS, or over the named ``lead_ids``."""
    result = ctx.start_autopilot(service, top, lead_ids=lead_ids)
    # A run for one named lead is not the day's run: it leaves ``day`` empty so "rank my top 10" still works.
    ctx.threads.create(tenant=ctx.tenant, kind="autopilot", user_id=ctx.caller.user_id,
                       title=kind_title or f"autopilot {day}", now=ctx.clock(), thread_id=result.thread_id,
                       day=None if kind_title else day)
    return result


# ------------------------------------------------------------------------------ approvals
def my_pending(ctx: OperatorContext) -> list[ApprovalRequest]:
    """The caller's pending approvals, oldest first: the numbering "approve 2" refers to."""
    pending = ctx.gateway.pending_approvals(ctx.tenant)
    return sorted((a for a in pending if ctx.caller.role in a.approver_roles),
                  key=lambda a: (a.requested_at, a.approval_id))


def pending_approvals(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    pending = ctx.gateway.pending_approvals(ctx.tenant)
    mine = my_pending(ctx)
    _emit_approvals(ctx, mine, emit)
    lang = intent.lang
    text = say("approvals.some", lang, count=len(mine)) if mine else say("approvals.none", lang)
    lines = [text]
    for number, approval in enumerate(mine[:MAX_APPROVALS_SHOWN], start=1):
        action = approval.action_request.action
        label = action_label("actions", action, lang)
        lines.append(say("approvals.line", lang, number=number, label=label,
                         when=approval.requested_at.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")))
    others = len(pending) - len(mine)
    if others:
        lines.append(say("approvals.others", lang, count=others))
    return "\n".join(lines)


def draft_for_lead(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """A draft for one named lead: one autopilot run over that lead (the draft waits for approval)."""
    lead = find_lead(ctx, intent.slots.target, intent.text)
    if lead is None:
        return say("desk.lead_unknown", intent.lang, name=intent.slots.target or "-")
    from skills.targeting.factory import build_service

    day = ctx.clock().astimezone(RIYADH).date().isoformat()
    service = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock)
    started = _start_autopilot(ctx, service, 1, day, lead_ids=[lead.lead_id], kind_title=f"draft {day}")
    _emit_approvals(ctx, started.pending, emit)
    if started.pending:
        return say("targeting.drafts_ready", intent.lang, count=len(started.pending))
    return say("targeting.no_drafts", intent.lang)


def draft_for_lead_id(ctx: OperatorContext, lead_id: str, turn: Turn) -> int:
    """A draft for one lead by id (a card's «جهّز مسودة»): one autopilot run; how many drafts now wait."""
    from skills.targeting.factory import build_service

    service = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock)
    if not any(lead.lead_id == lead_id for lead in service.repository.leads(ctx.tenant)):
        return 0
    day = ctx.clock().astimezone(RIYADH).date().isoformat()
    return len(_start_autopilot(ctx, service, 1, day, lead_ids=[lead_id], kind_title=f"card {day}").pending)


def inbound_reply(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """A customer wrote first: the message becomes a support ticket and gets a guarded reply draft."""
    from skills.support.factory import build_service
    from skills.support.models import IncomingTicket

    lead = find_lead(ctx, intent.slots.target, intent.text)
    if lead is None or not (lead.email or lead.phone):
        return say("inbound.who", intent.lang)
    service = build_service(ctx.settings, tenant=ctx.tenant, gateway=ctx.gateway, clock=ctx.clock)
    incoming = IncomingTicket(source="email" if lead.email else "whatsapp", body=quoted_or_whole(intent.text),
                              customer_name=lead.contact_name, customer_email=lead.email,
                              customer_phone=lead.phone.e164 if lead.phone else None)
    ticket = service.create(incoming, actor=ctx.caller.user_id)
    draft = service.draft_reply(ticket.ticket_id)
    if draft.status != "ready" or not draft.body:
        return say("inbound.needs_review", intent.lang, ticket=ticket.ticket_id)
    return say("inbound.reply", intent.lang, ticket=ticket.ticket_id, body=draft.body)


# ------------------------------------------------------------------------------ refusals and help
def refuse(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """A request Dealix never carries out: the reason in Arabic, and the attempt in the audit log."""
    refusal = intent.refusal or "unknown"
    spec = load_intents().refusals.get(refusal)
    if spec is not None and spec.action:
        result = ctx.gateway.decide(ToolCall(tenant=ctx.tenant, skill=OPERATOR_SKILL, action=spec.action,
                                             args={"request": refusal}, thread_id=turn.thread_id,
                                             tool_call_id=turn.call_id("refusal")), actor=ctx.caller.user_id)
        emit(ToolCallEvent.of(OPERATOR_SKILL, result))
    else:
        ctx.gateway.audit.record(tenant=ctx.tenant, kind="request_refused", actor=ctx.caller.user_id, action=None,
                                 payload={"refusal": refusal, "skill": OPERATOR_SKILL, "thread_id": turn.thread_id},
                                 ts=ctx.clock())
    return f"{say(f'refusal.{refusal}', intent.lang)}\n{say('refusal.recorded', intent.lang)}"


def _capabilities(lang: str) -> str:
    catalog = load_intents()
    items = []
    for name, spec in catalog.intents.items():
        if name == "help" or not runnable(name):
            continue
        example = next((e for e in spec.examples if (lang == "en") == e.isascii()), spec.examples[0])
        items.append(say("help.item", lang, label=spec.label_en if lang == "en" else spec.label_ar,  # type: ignore[arg-type]
                         example=example))
    return "\n".join(items)


def help_reply(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    key = "unknown" if intent.intent == "unknown" else "help"
    return say(key, intent.lang, items=_capabilities(intent.lang))


# ------------------------------------------------------------------------------ skills built elsewhere
# Adapters for skills whose modules other work streams deliver. An intent runs only when both its
# module exists and an adapter is registered here; otherwise it says the capability is not available.
EXTERNAL: dict[str, Handler] = dict(ADAPTERS)
BUILT_IN = frozenset({"targeting_rank", "pending_approvals", "help"})


def runnable(intent: str) -> bool:
    """Whether an intent can run here: built in, or its module exists and an adapter is registered."""
    if not load_intents().available(intent):
        return False
    return intent in BUILT_IN or intent in EXTERNAL


def external_skill(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    catalog = load_intents()
    spec = catalog.intents[intent.intent]
    adapter = EXTERNAL.get(intent.intent)
    if adapter is None or not runnable(intent.intent):
        return say("unavailable", intent.lang, label=spec.label_en if intent.lang == "en" else spec.label_ar)
    return adapter(ctx, intent, emit, turn)
