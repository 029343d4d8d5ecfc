"""From a lead brief to the words of its draft, and from a draft back to the fields behind it.

    template_variables(brief, sender) . the vetted pieces (greeting, subject, opening, offer, ask) the
                                        offline model writes from, chosen by the lead's situation and role
    lead_spans(brief, sender) ......... every lead-specific span, by slot name: what an approved draft
                                        must lose before it is kept as an example, and what fills it again
    identifying_values(brief) ......... the values that name this lead (names, company, contact points, city)
    grounds_of(subject, body, ...) .... each fact the text states, with the field it came from
"""

from __future__ import annotations

import hashlib
import re
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field

from agents.arabic_form import city_display, company_display, greeting_name, load_lexicon, role_of
from agents.brief import LeadBrief, Role, SenderProfile
from prompts import get_prompt

_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "\u0640": None, "\u2068": None,
                       "\u2069": None})
_GENERIC = re.compile(r"^(?:شركة|شركه|مؤسسة|مؤسسه|مجموعة|مجموعه|مكتب)\s+|\s+(?:co\.?|ltd\.?|llc|company|est\.?|"
                      r"group|trading|holding)$", re.IGNORECASE)


_ROLES: tuple[Role, ...] = get_args(Role)


class Ground(BaseModel):
    """One fact a draft states and the field it came from (``sender.*`` for the sender's own claims)."""

    model_config = ConfigDict(frozen=True)

    fact: str = Field(description="What the draft states: the value, or the situation it names.")
    field: str = Field(description="The lead record's field (or the sender profile's) it came from.")


def variant_of(company: str, role: Role) -> int:
    """Which vetted opening this lead gets: stable per company, one step on per role, so the CEO and the CFO
    of one company never get the same opening where the situation has two or more."""
    return int(hashlib.sha256(company.strip().casefold().encode()).hexdigest()[:8], 16) + _ROLES.index(role)


def template_variables(brief: LeadBrief, sender: SenderProfile) -> dict[str, str]:
    """The variables of the vetted message templates, from the brief and the sender profile alone."""
    role = role_of(brief.title)
    company = company_display(brief)
    parts = get_prompt(f"outreach.parts.{brief.language}")
    common: dict[str, object] = {"situation": brief.situation(), "role": role, "channel": brief.channel,
                                 "variant": variant_of(brief.company_name, role), "company": company}
    return {
        "greeting_name": greeting_name(brief),
        "subject": parts.render(part="subject", **common) if brief.channel == "email" else "",
        "opening": parts.render(part="opening", **common),
        "offer": (sender.offer_ar if brief.language == "ar" else sender.offer_en).strip()
        if brief.channel == "email" else "",
        "ask": parts.render(part="ask", **common),
        "sender_signature": sender.signature_ar if brief.language == "ar" else sender.signature_en,
        # Not in the vetted templates, but in older approved examples' slots: kept so those still fill.
        "company_name": company,
        "city": city_display(brief),
        "sector": brief.sector.strip(),
        "sender_company": sender.company,
    }


def _name_words(name: str) -> tuple[str, str]:
    words = [w for w in name.replace("-", " ").split() if w.strip(".").lower() not in ("dr", "mr", "mrs", "ms", "eng")
             and w not in ("أ.", "د.", "م.")]
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return words[0], " ".join(words[1:])


def company_core(name: str) -> str:
    """The company's name without its generic words ("Test Tech Co" -> "Test Tech"; «شركة الرمال» -> «الرمال»)."""
    core = name.strip()
    for _ in range(3):
        core = _GENERIC.sub("", core).strip()
    return core if core != name.strip() else ""


def lead_spans(brief: LeadBrief, sender: SenderProfile) -> dict[str, str]:
    """Every lead-specific span by slot name (the template variables plus each raw spelling of the lead's facts)."""
    first, family = _name_words(brief.contact_name)
    first_ar, family_ar = _name_words(brief.contact_name_ar)
    variables = template_variables(brief, sender)
    greeting = variables["greeting_name"]
    honorific, _, bare = greeting.partition(" ")
    shown_first, shown_family = _name_words(bare if honorific in ("أ.", "د.", "م.", "Dr.", "Eng.") else greeting)
    spans = {
        **variables,
        # The name as this draft's language writes it (Arabic where known, isolated Latin otherwise).
        "contact_name": bare if honorific in ("أ.", "د.", "م.", "Dr.", "Eng.") else greeting,
        "contact_name_raw": brief.contact_name.strip(), "contact_name_ar": brief.contact_name_ar.strip(),
        "contact_first": first, "contact_family": family, "contact_first_ar": first_ar,
        "contact_family_ar": family_ar, "contact_first_display": shown_first, "contact_family_display": shown_family,
        "company_raw": brief.company_name.strip(), "company_ar": brief.company_name_ar.strip(),
        "company_core": company_core(brief.company_name), "company_core_ar": company_core(brief.company_name_ar),
        "city_raw": brief.city.strip(), "city_ar": brief.city_ar.strip(),
    }
    spans.update({f"contact_point_{i}": point for i, point in enumerate(brief.contact_points)})
    return spans


def identifying_values(brief: LeadBrief) -> tuple[str, ...]:
    """The values that name this lead: none of their distinctive words may stay in a kept example."""
    values = (brief.contact_name, brief.contact_name_ar, greeting_name(brief, "ar"), greeting_name(brief, "en"),
              brief.company_name, brief.company_name_ar, brief.city, brief.city_ar, city_display(brief, "ar"),
              *brief.contact_points)
    return tuple(v for v in values if v.strip())


def _folded(text: str) -> str:
    return text.translate(_FOLD).casefold()


def grounds_of(subject: str | None, body: str, brief: LeadBrief, sender: SenderProfile) -> tuple[Ground, ...]:
    """Each fact the text states with its field. A situation word with no signal behind it gets no ground."""
    text = _folded(f"{subject or ''}\n{body}")
    found: list[Ground] = []

    def add(fact: str, field: str) -> None:
        if fact.strip() and _folded(fact.strip()) in text and Ground(fact=fact, field=field) not in found:
            found.append(Ground(fact=fact.strip(), field=field))

    add(brief.company_name, "company_name")
    add(brief.company_name_ar, "company_name_ar")
    add(brief.contact_name_ar, "contact_name_ar")
    add(brief.contact_name, "contact_name")
    greeting = greeting_name(brief)
    if greeting:
        add(greeting.split(" ", 1)[-1].strip("\u2068\u2069"),
            "contact_name_ar" if brief.contact_name_ar else "contact_name")
    add(city_display(brief), "city_ar" if brief.city_ar else "city")
    add(brief.sector, "sector")
    add(sender.offer_ar, "sender.offer_ar")
    add(sender.offer_en, "sender.offer_en")
    for fact in brief.notes_facts:
        add(fact.text, fact.field)
    words = load_lexicon().situation_words
    for signal in brief.signals:
        situation = brief.situation() if signal == brief.lead_signal() else None
        for word in words.get(situation, ()) if situation else ():
            if word in text:
                found.append(Ground(fact=signal.kind, field=signal.field))
                break
    return tuple(found)
