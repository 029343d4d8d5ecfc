"""Response drafts: a vetted template per channel and language, the output guard, one tool call.

The reply acknowledges the ticket, states the next step and who owns it, and gives the reference.
It never quotes the ticket (whatever the customer wrote, instructions included, stays out of the
reply), never promises an outcome, a refund or a price cut: a person decides those. The text
passes the same output guard as every draft; :func:`reply_call` makes it the
customer_success_operator's ``gmail.draft`` / ``whatsapp.draft`` call, which the gateway decides.
"""

from __future__ import annotations

from typing import Literal

from agents.guard import DraftFacts, check_text
from prompts.loader import get_prompt
from skills.support.catalog import Catalog, load_catalog
from skills.support.errors import NoReplyChannel
from skills.support.models import ReplyChannel, ReplyDraft, Ticket
from tools.models import ToolCall
from tools.pii import PiiMasker

SKILL = "customer_success_operator"


def reply_channel(ticket: Ticket) -> ReplyChannel:
    if ticket.source == "whatsapp" and ticket.customer_phone:
        return "whatsapp"
    if ticket.customer_email:
        return "email"
    if ticket.customer_phone:
        return "whatsapp"
    raise NoReplyChannel()


def draft_reply(ticket: Ticket, *, masker: PiiMasker, catalog: Catalog | None = None) -> ReplyDraft:
    catalog = catalog or load_catalog()
    channel = reply_channel(ticket)
    language: Literal["ar", "en"] = "en" if ticket.classification.language == "en" else "ar"
    texts = catalog.messages
    reply = texts.replies[ticket.classification.category]
    team = texts.teams[ticket.owner_role.value] if ticket.owner_role.value in texts.teams else texts.teams["support"]
    variables = {
        "greeting_name": (ticket.customer_name or "").strip(),
        "ticket_ref": ticket.ticket_id,
        "acknowledgement": reply.ar if language == "ar" else reply.en,
        "next_step": reply.next_ar if language == "ar" else reply.next_en,
        "team": team.ar if language == "ar" else team.en,
        "sender_signature": texts.signature.ar if language == "ar" else texts.signature.en,
    }
    template = get_prompt(f"support.reply.{channel}.{language}")
    body = template.render(**variables)
    subject = template.render_subject(**variables) if channel == "email" else None
    own = tuple(v for v in (ticket.customer_email, ticket.customer_phone) if v)
    facts = DraftFacts(allowed_values=tuple(v for v in variables.values() if v) + own, own_contacts=own)
    report = check_text(body=body, subject=subject, channel=channel, language=language, facts=facts, masker=masker)
    return ReplyDraft(ticket_id=ticket.ticket_id, channel=channel, language=language,
                      subject=subject, body=body, status="ready" if report.ok else "needs_review",
                      guard_problems=tuple(p.code for p in report.problems), prompt=template.ref)


def reply_call(ticket: Ticket, draft: ReplyDraft, *, thread_id: str) -> ToolCall:
    if draft.channel == "email":
        action = "gmail.draft"
        args: dict[str, object] = {"to": ticket.customer_email, "subject": draft.subject or "", "body": draft.body}
    else:
        action = "whatsapp.draft"
        args = {"to": ticket.customer_phone, "body": draft.body}
    return ToolCall(tenant=ticket.tenant, skill=SKILL, action=action, args=args, thread_id=thread_id,
                    tool_call_id=f"ticket:{ticket.ticket_id}:{action}", contact_id=ticket.customer_ref)
