"""The first message to a partner: a vetted template, the output guard, and the one tool call it stands for.

The text comes from ``prompts/templates/partner_intro_*.md.j2`` (no terms and no numbers: those
belong in the meeting). It passes the same output guard as every outreach draft (no guarantees,
no discount-first, no placeholders, no facts that are not the partner's). A WhatsApp draft needs
the partner's recorded opt-in: Dealix starts no cold WhatsApp conversation, even as a draft.

:func:`draft_call` turns a ready draft into the ``gmail.draft`` / ``whatsapp.draft`` call of the
partner_strategist skill; the gateway decides what happens to it.
"""

from __future__ import annotations

from agents.guard import DraftFacts, check_text
from prompts.loader import get_prompt
from skills.partners.catalog import Catalog, load_catalog
from skills.partners.errors import ChannelRefused
from skills.partners.models import DraftChannel, OfferModel, PartnerCandidate, PartnerDraft, PartnerProfile
from skills.partners.scoring import join_ar, sector_ar, sector_share
from skills.targeting.ranking import Icp
from tools.models import ToolCall
from tools.pii import PiiMasker

SKILL = "partner_strategist"


def check_channel(candidate: PartnerCandidate, channel: DraftChannel, catalog: Catalog | None = None) -> None:
    """Refuse a channel the partner cannot be reached on lawfully (no address, or no WhatsApp opt-in)."""
    catalog = catalog or load_catalog()
    if channel == "whatsapp" and candidate.phone and not candidate.whatsapp_opt_in:
        raise ChannelRefused(catalog.text("refusals", "whatsapp_without_opt_in"), code="whatsapp_without_opt_in")
    address = candidate.email if channel == "email" else candidate.phone
    if not address:
        raise ChannelRefused(catalog.text("refusals", "no_address", channel_ar=catalog.messages.channels_ar[channel],
                                          channel=channel), code="no_address")


def draft_intro(candidate: PartnerCandidate, *, channel: DraftChannel, model: OfferModel, masker: PiiMasker,
                icp: Icp | None = None, profile: PartnerProfile | None = None,
                catalog: Catalog | None = None) -> PartnerDraft:
    catalog = catalog or load_catalog()
    profile = profile or catalog.profile
    icp = icp or Icp.default()
    check_channel(candidate, channel, catalog)
    language = candidate.language
    _, matched = sector_share(candidate, icp)
    spec = catalog.offers.models[model]
    variables = {
        "greeting_name": (candidate.contact_name or "").strip(),
        "partner_name": candidate.name,
        "sectors": join_ar(sector_ar(s) for s in matched) if language == "ar" else ", ".join(matched),
        "model_name": spec.name_ar if language == "ar" else spec.name_en.lower(),
        "sender_company": profile.company,
        "sender_signature": profile.signature_ar if language == "ar" else profile.signature_en,
    }
    template = get_prompt(f"partner.intro.{channel}.{language}")
    body = template.render(**variables)
    subject = template.render_subject(**variables) if channel == "email" else None
    own = tuple(v for v in (candidate.email, candidate.phone) if v)
    facts = DraftFacts(allowed_values=tuple(v for v in variables.values() if v) + own, own_contacts=own)
    report = check_text(body=body, subject=subject, channel=channel, language=language, facts=facts, masker=masker)
    return PartnerDraft(
        partner_id=candidate.partner_id, channel=channel, language=language, subject=subject, body=body,
        status="ready" if report.ok else "needs_review",
        guard_problems=tuple(p.code for p in report.problems), prompt=template.ref,
    )


def draft_call(tenant: str, candidate: PartnerCandidate, draft: PartnerDraft, *, thread_id: str) -> ToolCall:
    """The one action a ready draft stands for, asked as the partner_strategist skill."""
    if draft.channel == "email":
        action = "gmail.draft"
        args: dict[str, object] = {"to": candidate.email, "subject": draft.subject or "", "body": draft.body}
    else:
        action = "whatsapp.draft"
        args = {"to": candidate.phone, "body": draft.body}
    return ToolCall(tenant=tenant, skill=SKILL, action=action, args=args, thread_id=thread_id,
                    tool_call_id=f"partner:{candidate.partner_id}:{action}",
                    contact_id=f"partner:{candidate.partner_id}")
