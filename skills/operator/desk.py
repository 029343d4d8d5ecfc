"""The operator's daily desk from the chat: each handler serves one intent through the gateway.

    refuse_act ........ a forbidden act, sent to the gateway AS that act (execute, no approval token):
                        refused with the act's own reason, recorded in the audit log
    status_today ...... approvals waiting, today's refusals, open tickets and SLA breaches
    invoice_draft ..... moyasar.invoice_draft (draft only, VAT and ZATCA QR; payment_link_drafted)
    meeting_draft ..... calendar.draft (an invitation file; meeting_drafted)
    crm_update ........ crm.update (waits for approval)
    sheets_export ..... sheets.export of today's ranked targets (waits for approval; no phones or emails)
    deal_add .......... a deal revision in the deal book (the forecast reads it)
    consent_opt_in/out  the consent registry (an opt-out wins over everything)
    blocked_report .... what the gateway refused, and why
    sla_breaches ...... support tickets past their first-response time
    policy_explain .... what Dealix never does, from the policy itself
    content_draft ..... an outline the operator uses by hand (nothing leaves Dealix)

A name in the request is matched against the tenant's leads (Targeting OS); a request that lacks
what an action needs (an amount, an email address) is answered with what is missing, never guessed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from skills.operator.context import OperatorContext, Turn
from skills.operator.events import ThreadEvent, ToolCallEvent
from skills.operator.intents import OPERATOR_SKILL, Intent, Lang
from skills.operator.labels import label
from skills.operator.replies import say
from skills.operator.understand import acts, acts_named, folded
from skills.targeting.textkeys import match_key, skeleton
from tools.consent import ConsentRecord
from tools.models import Channel, GatewayResult, Mode, ToolCall
from tools.saudi_time import RIYADH

Emit = Callable[[ThreadEvent], None]
MAX_LISTED = 5


class _Seller(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    vat_number: str


class _Desk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    seller: _Seller
    meeting_minutes: int
    stages: dict[str, tuple[str, ...]]
    alternatives: dict[str, dict[str, str]]
    content: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def _desk() -> _Desk:
    raw = resources.files("skills.operator").joinpath("data/desk.yaml").read_bytes()
    return _Desk.model_validate(yaml.safe_load(raw))


def _label(ctx: OperatorContext, action: str, lang: str) -> str:
    return label("actions", action, lang)


def _reason(result: GatewayResult, lang: str) -> str:
    return result.decision.reason_ar if lang == "ar" else result.decision.reason_en


def _call(ctx: OperatorContext, action: str, turn: Turn, args: dict[str, Any], emit: Emit, *,
          contact_id: str | None = None, skill: str = OPERATOR_SKILL) -> GatewayResult:
    result = ctx.gateway.invoke(ToolCall(tenant=ctx.tenant, skill=skill, action=action, args=args,
                                         thread_id=turn.thread_id, tool_call_id=turn.call_id(action),
                                         contact_id=contact_id), actor=ctx.caller.user_id)
    emit(ToolCallEvent.of(skill, result))
    return result


def _outcome(ctx: OperatorContext, result: GatewayResult, lang: Lang, what: str) -> str:
    decision = result.decision
    if decision.mode == Mode.blocked:
        return say("gateway.blocked", lang, reason=_reason(result, lang))
    if decision.mode == Mode.approval_required:
        return say("desk.awaiting_approval", lang, what=what)
    if result.execution is not None and result.execution.status not in ("executed", "already_executed"):
        return say("skill.failed", lang, reason=str(result.execution.detail.get("reason_code", "")))
    return say("desk.drafted", lang, what=what)


# ------------------------------------------------------------------------------ leads by name
def _leads(ctx: OperatorContext) -> list[Any]:
    from skills.targeting.factory import build_service

    return build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock).repository.leads(ctx.tenant)


_COMPANY_WORDS = frozenset({"شركه", "مؤسسه", "موسسه", "مجموعه", "مصنع", "متجر", "co", "company", "est", "group", "the"})
_TITLES = frozenset({"د", "dr", "م", "ا", "الاستاذ", "الاستاذه", "استاذ", "mr", "mrs", "ms"})


def _words(text: str) -> list[str]:
    return [w for w in match_key(text).replace(".", " ").split() if w not in _TITLES]


def _within(needle: list[str], hay: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


def find_lead(ctx: OperatorContext, name: str | None, text: str = "") -> Any | None:
    """The lead a request points to, found in the request itself, strongest evidence first:

    3  a contact's full name (any spelling the match keys fold; Latin or Arabic script by skeleton)
    2  a company's distinctive name ("الأفق" for «مؤسسة الأفق للمقاولات»), or the named target
    1  a first name only one lead has (a Latin first name compared by skeleton)

    Two different leads with the same best evidence are ambiguous: None, never a guess.
    """
    words = _words(f"{text} {name or ''}")
    sounds = skeleton(text).split()
    latin = {skeleton(w) for w in re.findall(r"[A-Za-z]{3,}", text)}
    leads = _leads(ctx)
    companies: dict[str, set[str]] = {}
    for lead in leads:
        distinctive = [w for w in _words(lead.company_name) if w not in _COMPANY_WORDS]
        if distinctive and len(distinctive[0]) >= 4:
            companies.setdefault(distinctive[0], set()).add(lead.company_key)
    scored: list[tuple[int, Any]] = []
    firsts: dict[str, set[str]] = {}
    for lead in leads:
        contact = _words(lead.contact_name or "")
        voice = skeleton(" ".join(contact)).split()
        distinctive = [w for w in _words(lead.company_name) if w not in _COMPANY_WORDS]
        score = 0
        if len(contact) >= 2 and (_within(contact, words) or (len(voice) >= 2 and _within(voice, sounds))):
            score = 3
        elif _within(distinctive, words) or (distinctive and len(companies.get(distinctive[0], ())) == 1
                                             and distinctive[0] in words):
            score = 2
        elif contact and (contact[0] in words or (voice and voice[0] in latin and len(voice[0]) >= 2)):
            score = 1
        if contact:
            firsts.setdefault(contact[0], set()).add(lead.contact_key or "")
        if score:
            scored.append((score, lead))
    if not scored:
        return None
    top = max(score for score, _ in scored)
    winners = [lead for score, lead in scored if score == top]
    if top == 1:
        winners = [lead for lead in winners if len(firsts.get(_words(lead.contact_name or "")[0], ())) == 1]
    if top == 2:
        return winners[0] if len({lead.company_key for lead in winners}) == 1 else None
    return winners[0] if len({lead.contact_key for lead in winners}) == 1 else None


_QUOTED = re.compile(r"«([^»]+)»|“([^”]+)”|\"([^\"]+)\"|(?<![\w'])'([^']{3,})'(?![\w'])")


def quoted_or_whole(text: str) -> str:
    """The words someone else wrote, when the request quotes them; else the whole request."""
    match = _QUOTED.search(text)
    return next((g for g in match.groups() if g), text) if match else text


# ------------------------------------------------------------------------------ refusals
def refuse_act(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """Send the forbidden act to the gateway as itself, with no approval: the gateway refuses and audits."""
    action = intent.action or "unknown.act"
    slots, lang = intent.slots, intent.lang
    lead = find_lead(ctx, slots.target, intent.text) if action == "whatsapp.send" else None
    # A send needs a recipient for the consent check; one the chat cannot name has no recorded consent.
    contact = lead.lead_id if lead is not None else ("chat:unnamed-recipient" if action == "whatsapp.send" else None)
    args: dict[str, Any] = {"requested_in": "operator_chat", "bulk": slots.bulk}
    if slots.purchased_list:
        args["audience"] = "purchased_list"
    if slots.consent_claim:
        args["consent_claim"] = slots.consent_claim
    call = ToolCall(tenant=ctx.tenant, skill=OPERATOR_SKILL, action=action, args=args, thread_id=turn.thread_id,
                    tool_call_id=turn.call_id(f"refuse:{action}"), contact_id=contact)
    result = ctx.gateway.execute(call, approval_token=None, actor=ctx.caller.user_id)
    emit(ToolCallEvent.of(OPERATOR_SKILL, result))
    lines = [say("refusal.act", lang, label=_label(ctx, action, lang), reason=_reason(result, lang))]
    if slots.consent_claim and action == "whatsapp.send":
        lines.append(say("refusal.claim_not_record", lang))
    act_id = intent.refusal or ""
    alternative = _desk().alternatives.get(act_id)
    if alternative:
        lines.append(alternative[lang])
    lines.append(say("refusal.recorded", lang))
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the day
def status_today(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang = intent.lang
    pending = ctx.gateway.pending_approvals(ctx.tenant)
    mine = [a for a in pending if ctx.caller.role in a.approver_roles]
    blocked = _refusals_since(ctx, _start_of_day(ctx))
    tickets, breaches = _ticket_counts(ctx)
    leads = len(_leads(ctx))
    return say("status.summary", lang, pending=len(mine), others=len(pending) - len(mine), blocked=len(blocked),
               tickets=tickets, breaches=breaches, leads=leads,
               day=ctx.clock().astimezone(RIYADH).date().isoformat())


def _start_of_day(ctx: OperatorContext) -> datetime:
    local = ctx.clock().astimezone(RIYADH)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _refusals_since(ctx: OperatorContext, since: datetime) -> list[Any]:
    events = ctx.gateway.audit.events(tenant=ctx.tenant, limit=5000)
    out = []
    for event in events:
        if event.ts < since:
            continue
        payload = event.payload or {}
        if event.kind == "execution_refused" or (event.kind == "decision" and payload.get("mode") == "blocked"):
            out.append(event)
    return out


def _ticket_counts(ctx: OperatorContext) -> tuple[int, int]:
    tickets = _open_tickets(ctx)
    now = ctx.clock()
    return len(tickets), sum(1 for t in tickets if t.first_response_at is None and t.first_response_due < now)


def _open_tickets(ctx: OperatorContext) -> list[Any]:
    if importlib.util.find_spec("skills.support") is None:
        return []
    from skills.support.factory import build_service

    service = build_service(ctx.settings, tenant=ctx.tenant, gateway=ctx.gateway, clock=ctx.clock)
    return [t for t in service.tickets(limit=1000) if t.status in ("open", "in_progress")]


def blocked_report(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang = intent.lang
    days = 30 if intent.slots.period == "month" else (7 if intent.slots.period == "week" else 1)
    since = _start_of_day(ctx) - timedelta(days=days - 1)
    events = _refusals_since(ctx, since)
    if not events:
        return say("blocked.none", lang, days=days)
    counts: dict[tuple[str, str], int] = {}
    for event in events:
        code = str((event.payload or {}).get("reason_code", ""))
        counts[(event.action or "-", code)] = counts.get((event.action or "-", code), 0) + 1
    lines = [say("blocked.header", lang, count=len(events), days=days)]
    for (action, code), count in sorted(counts.items(), key=lambda kv: -kv[1])[:MAX_LISTED * 2]:
        reason = _reason_text(ctx, action, code, lang)
        lines.append(say("blocked.line", lang, label=_label(ctx, action, lang), count=count, reason=reason))
    return "\n".join(lines)


def _reason_text(ctx: OperatorContext, action: str, code: str, lang: str) -> str:
    policy = ctx.gateway.policy
    try:
        message = policy.message(code)
        return message.reason_ar if lang == "ar" else message.reason_en
    except (KeyError, ValueError):
        rule = policy.rule(action)
        return rule.reason_ar if lang == "ar" else rule.reason_en


def sla_breaches(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang, now = intent.lang, ctx.clock()
    late = sorted((t for t in _open_tickets(ctx) if t.first_response_at is None and t.first_response_due < now),
                  key=lambda t: t.first_response_due)
    if not late:
        return say("sla.none", lang)
    lines = [say("sla.header", lang, count=len(late))]
    lines += [say("sla.line", lang, ticket=t.ticket_id, priority=t.priority,
                  due=t.first_response_due.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")) for t in late[:MAX_LISTED]]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ drafts that run
def invoice_draft(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang, slots = intent.lang, intent.slots
    lead = find_lead(ctx, slots.target, intent.text)
    buyer = lead.company_name if lead is not None else slots.target
    if not buyer or slots.amount_sar is None:
        return say("desk.invoice_missing", lang)
    seller = _desk().seller
    args = {"seller_name": seller.name, "vat_number": seller.vat_number, "buyer_name": buyer,
            "items": [{"description": say("desk.invoice_item", "ar"), "quantity": 1,
                       "unit_price": str(slots.amount_sar.quantize(Decimal("0.01")))}]}
    result = _call(ctx, "moyasar.invoice_draft", turn, args, emit, contact_id=lead.lead_id if lead else None)
    return _outcome(ctx, result, lang, say("desk.invoice_what", lang, buyer=buyer, amount=f"{slots.amount_sar:,.2f}"))


def meeting_draft(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang, slots = intent.lang, intent.slots
    lead = find_lead(ctx, slots.target, intent.text)
    if lead is None or not lead.email:
        return say("desk.meeting_missing", lang, name=slots.target or "-")
    start = slots.when or (ctx.clock().astimezone(RIYADH) + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                                                        microsecond=0)
    args = {"title": say("desk.meeting_title", "ar", company=lead.company_name),
            "start": start.replace(tzinfo=None).isoformat(timespec="minutes"),
            "duration_minutes": _desk().meeting_minutes, "attendees": [lead.email]}
    result = _call(ctx, "calendar.draft", turn, args, emit, contact_id=lead.lead_id)
    return _outcome(ctx, result, lang, say("desk.meeting_what", lang, name=lead.contact_name or lead.company_name,
                                            when=start.strftime("%Y-%m-%d %H:%M")))


def crm_update(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    lang, slots = intent.lang, intent.slots
    lead = find_lead(ctx, slots.target, intent.text)
    if lead is None:
        return say("desk.lead_unknown", lang, name=slots.target or "-")
    stage = _stage_of(intent.text)
    args = {"updates": [{"record_id": lead.lead_id, "field": "stage", "old": None, "new": stage}]}
    result = _call(ctx, "crm.update", turn, args, emit, contact_id=lead.lead_id)
    return _outcome(ctx, result, lang, say("desk.crm_what", lang, name=lead.company_name, stage=stage))


def _stage_of(text: str) -> str:
    norm = folded(text)
    return next((name for name, words in _desk().stages.items() if any(w in norm for w in words)), "contacted")


def sheets_export(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    from skills.targeting.factory import build_service

    lang = intent.lang
    service = build_service(ctx.settings, tenant=ctx.tenant, clock=ctx.clock)
    ranked = service.targets()
    if not ranked:
        return say("targeting.no_leads", lang)
    picks = service.daily(ranked=ranked).top[:intent.slots.top_n or 20]
    rows = [{"rank": p.rank, "company": p.target.company_name, "channel": p.target.channel.channel or "",
             "why_now": p.why_now_ar[0] if p.why_now_ar else ""} for p in picks]
    if not rows:
        return say("targeting.no_safe", lang, total=len(ranked))
    args = {"columns": ["rank", "company", "channel", "why_now"], "rows": rows}
    result = _call(ctx, "sheets.export", turn, args, emit)
    return _outcome(ctx, result, lang, say("desk.export_what", lang, count=len(rows)))


def deal_add(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    from skills.pipeline.intake import record_deal

    lang, slots = intent.lang, intent.slots
    lead = find_lead(ctx, slots.target, intent.text)
    company = lead.company_name if lead is not None else slots.target
    if not company or slots.amount_sar is None:
        return say("desk.deal_missing", lang)
    now = ctx.clock()
    close = (slots.when or now + timedelta(days=30)).astimezone(RIYADH).date()
    deal_id = "chat-" + (lead.lead_id[:12] if lead is not None else _slug(company))
    stage = _stage_of(intent.text)
    revision = record_deal(ctx.settings, ctx.tenant, deal_id=deal_id,
                           stage=stage if stage in _DEAL_STAGES else "qualified",
                           value=str(slots.amount_sar), close=close.isoformat(), at=now, by=ctx.caller.user_id,
                           company=company, track="direct")
    ctx.gateway.audit.record(tenant=ctx.tenant, kind="deal_recorded", actor=ctx.caller.user_id, action=None,
                             payload={"deal_id": revision.deal_id, "stage": revision.stage,
                                      "thread_id": turn.thread_id}, ts=now)
    return say("desk.deal_recorded", lang, company=revision.company_name, value=f"{revision.value_sar:,.2f}",
               stage=revision.stage, close=revision.expected_close.isoformat())


def _slug(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------ consent
def _consent(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn,
             status: Literal["opt_in", "opt_out"]) -> str:
    lang, slots = intent.lang, intent.slots
    lead = find_lead(ctx, slots.target, intent.text)
    if lead is None:
        return say("desk.lead_unknown", lang, name=slots.target or "-")
    channels = [Channel(slots.channel)] if slots.channel in ("whatsapp", "email") else \
        ([Channel.all] if status == "opt_out" else [])
    if not channels:
        return say("consent.channel_missing", lang)
    now = ctx.clock()
    for channel in channels:
        address = (lead.phone.e164 if lead.phone else None) if channel == Channel.whatsapp else \
            (lead.email if channel == Channel.email else None)
        ctx.gateway.consent.record(ConsentRecord(
            tenant=ctx.tenant, contact_id=lead.lead_id, channel=channel, status=status,
            source=f"operator_chat:{ctx.caller.user_id}", recorded_at=now, address=address))
    ctx.gateway.audit.record(tenant=ctx.tenant, kind=f"consent_{status}", actor=ctx.caller.user_id, action=None,
                             payload={"contact_id": lead.lead_id, "channels": [c.value for c in channels],
                                      "thread_id": turn.thread_id}, ts=now)
    return say(f"consent.{status}", lang, name=lead.contact_name or lead.company_name,
               channel=", ".join(c.value for c in channels))


def consent_opt_in(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    return _consent(ctx, intent, emit, turn, "opt_in")


def consent_opt_out(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    return _consent(ctx, intent, emit, turn, "opt_out")


# ------------------------------------------------------------------------------ words only
def policy_explain(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    """What Dealix never does and why, from the policy itself: the acts the question names, else all of them."""
    lang = intent.lang
    named = set(acts_named(intent.text))
    shown = [act for act in acts() if not named or act.action in named]
    lines = [say("explain.header", lang)]
    seen: set[str] = set()
    for act in shown:
        if act.action in seen:
            continue
        seen.add(act.action)
        pattern = ctx.gateway.policy.blocked_pattern(act.action)
        source = pattern if pattern is not None else ctx.gateway.policy.rule(act.action)
        lines.append(say("explain.line", lang, label=_label(ctx, act.action, lang),
                         reason=source.reason_ar if lang == "ar" else source.reason_en))
    return "\n".join(lines)


def content_draft(ctx: OperatorContext, intent: Intent, emit: Emit, turn: Turn) -> str:
    content = _desk().content
    kind = "script" if any(w in intent.text.lower() for w in ("script", "سكربت", "مكالمة", "مكالمه", "talking")) \
        else "post"
    return content[kind][intent.lang]


HANDLERS: dict[str, Callable[[OperatorContext, Intent, Emit, Turn], str]] = {
    "refusal": refuse_act,
    "status_today": status_today,
    "blocked_report": blocked_report,
    "sla_breaches": sla_breaches,
    "invoice_draft": invoice_draft,
    "meeting_draft": meeting_draft,
    "crm_update": crm_update,
    "sheets_export": sheets_export,
    "deal_add": deal_add,
    "consent_opt_in": consent_opt_in,
    "consent_opt_out": consent_opt_out,
    "policy_explain": policy_explain,
    "content_draft": content_draft,
}

_DEAL_STAGES = frozenset({"qualified", "meeting", "proposal", "negotiation", "commit", "won", "lost"})
