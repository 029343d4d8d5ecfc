"""Rendering reply sections into the message for a channel, and the facts the guard may accept in it."""

from __future__ import annotations

from agents.copywriter import SenderProfile
from agents.guard import Channel, DraftFacts, Language
from prompts import get_prompt
from skills.negotiation.models import DealContext, ReplySections


def reply_template_id(channel: Channel, language: Language) -> str:
    return f"negotiation.reply.{channel}.{language}"


def render_reply(sections: ReplySections, *, channel: Channel, language: Language, deal: DealContext,
                 sender: SenderProfile) -> tuple[str | None, str]:
    """(subject or None, body) from the vetted template of the channel and language."""
    template = get_prompt(reply_template_id(channel, language))
    variables = {
        "greeting_name": deal.contact_name.strip(),
        "company_name": deal.company_name.strip(),
        "sender_signature": sender.signature_ar if language == "ar" else sender.signature_en,
        **{name: " ".join(value.split()) for name, value in sections.model_dump().items()},
    }
    variables = {name: value for name, value in variables.items() if name in template.meta.variables}
    subject = template.render_subject(**variables) if channel == "email" else None
    return subject, template.render(**variables)


def reply_facts(deal: DealContext, sender: SenderProfile, proposed_date: str) -> DraftFacts:
    """What a reply may state: the deal's names, the sender's profile and the proposed date; nothing else."""
    values = (deal.company_name, deal.contact_name, deal.sector, sender.company, sender.signature_ar,
              sender.signature_en, proposed_date)
    own = tuple(v for v in (deal.email, deal.phone) if v)
    return DraftFacts(allowed_values=tuple(v for v in values if v), own_contacts=own)
