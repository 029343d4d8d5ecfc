"""Draft quality graders: pure checks of one message against the lead it was written for.

    arabic_share ....... an Arabic draft is mostly Arabic letters (an English one mostly not)
    formal_register .... a polite opening or closing, and no slang or over-familiar address
    personalised ....... names the lead's company (and the contact, when known)
    facts_true ......... every city, sector, number and person it mentions is the lead's own
    no_guarantee ....... promises no outcome (the eval's own patterns plus the runtime guard's)
    no_discount_first .. no price cut in a first touch; elsewhere, none before value, scope or a pilot
    call_to_action ..... asks for one concrete next step
    channel_length ..... within the channel's limits (the runtime guard's limits, one source)
    opt_out_line ....... WhatsApp drafts say how to stop further messages

The rules live in ``evals/data/draft_rules.yaml``; texts are folded (:mod:`evals.textnorm`) first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agents.guard import load_guard_rules
from evals.models import Check
from evals.textnorm import fold

_ARABIC = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class _PerLanguage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ar: tuple[str, ...]
    en: tuple[str, ...]


class DraftRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    arabic_min_share: float = Field(ge=0, le=1)
    english_max_arabic_share: float = Field(ge=0, le=1)
    formal_markers: _PerLanguage
    informal_markers: _PerLanguage
    cta_patterns: _PerLanguage
    guarantee_patterns: tuple[str, ...]
    discount_patterns: tuple[str, ...]
    value_patterns: tuple[str, ...]
    optout_patterns: tuple[str, ...]
    cities: tuple[str, ...]
    sectors: tuple[str, ...]
    situation_words: dict[str, tuple[str, ...]]
    signal_situation: dict[str, str]
    sender_claim_patterns: tuple[str, ...]
    latin_cities: tuple[str, ...]
    placeholder_words: tuple[str, ...]
    generic_words: tuple[str, ...]
    brand_names: tuple[str, ...]


@lru_cache(maxsize=1)
def load_draft_rules() -> DraftRules:
    raw = resources.files("evals").joinpath("data/draft_rules.yaml").read_bytes()
    return DraftRules.model_validate(yaml.safe_load(raw))


class LeadSignal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(description="A why-now signal kind (tender, hiring, ...) or how the lead came (referral, ...).")
    field: str = Field(default="notes", description="The lead record's field it was read from.")
    evidence: str = ""


class LeadFacts(BaseModel):
    """What the draft may say about its lead."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_name: str
    company_name_ar: str = ""
    contact_name: str = ""
    contact_name_ar: str = ""
    title: str = ""
    city: str = ""
    city_ar: str = ""
    sector: str = ""
    phone: str = ""
    email: str = ""
    signals: tuple[LeadSignal, ...] = ()

    def values(self) -> tuple[str, ...]:
        return (self.company_name, self.company_name_ar, self.contact_name, self.contact_name_ar, self.title,
                self.city, self.city_ar, self.sector, self.phone, self.email)


class DraftText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Literal["email", "whatsapp"]
    language: Literal["ar", "en"]
    subject: str | None = None
    body: str
    first_touch: bool = Field(default=True, description="A first message: any price cut is a discount first.")


def arabic_share(text: str) -> float:
    letters = _LETTER.findall(text)
    return sum(1 for ch in letters if _ARABIC.match(ch)) / len(letters) if letters else 0.0


def _search(patterns: Iterable[str], folded: str) -> str | None:
    for pattern in patterns:
        match = re.search(pattern, folded, re.IGNORECASE)
        if match:
            return match.group(0)
    return None


def mentions(folded: str, term: str) -> bool:
    """``term`` as a whole word of ``folded`` (Arabic joined prefixes allowed)."""
    t = re.escape(fold(term))
    return re.search(rf"(?<!\w)(?:[وفبلك]{{0,2}}(?:ال)?)?{t}(?!\w)", folded) is not None


def _check(name: str, passed: bool, detail: str) -> Check:
    return Check(name=name, passed=passed, detail=detail)


def grade_language(draft: DraftText, rules: DraftRules) -> Check:
    share = arabic_share(draft.body)
    if draft.language == "ar":
        return _check("arabic_share", share >= rules.arabic_min_share,
                      f"{share:.2f} (needs >= {rules.arabic_min_share})")
    return _check("arabic_share", share <= rules.english_max_arabic_share,
                  f"{share:.2f} Arabic in an English draft (at most {rules.english_max_arabic_share})")


def grade_formality(draft: DraftText, rules: DraftRules) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    formal = _search(getattr(rules.formal_markers, draft.language), text)
    informal = _search([*rules.informal_markers.ar, *rules.informal_markers.en], text)
    if informal:
        return _check("formal_register", False, f"informal: {informal!r}")
    return _check("formal_register", formal is not None,
                  f"marker {formal!r}" if formal else "no polite opening/closing")


def grade_personalisation(draft: DraftText, lead: LeadFacts) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    company = [v for v in (lead.company_name, lead.company_name_ar) if v.strip()]
    # The name without a leading generic word counts («البيان للتقنية» for «شركة البيان للتقنية»).
    cores = [re.sub(r"^(?:شركه|مؤسسه|مجموعه|مكتب)\s+", "", fold(v)) for v in company]
    missing = ["company"] if company and not any(c in text for c in cores) else []
    # The contact by the name the draft's language writes: an Arabic name given must appear as given.
    arabic_name = lead.contact_name_ar or (lead.contact_name if arabic_share(lead.contact_name) > 0.5 else "")
    if draft.language == "ar" and arabic_name.strip() and fold(arabic_name) not in text:
        missing.append("contact")
    return _check("personalised", not missing, "names " + ", ".join(missing) + " missing" if missing else "ok")


def grade_facts(draft: DraftText, lead: LeadFacts, rules: DraftRules, other_names: Iterable[str] = ()) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    own = fold(" ".join(lead.values()))
    wrong = [c for c in rules.cities if mentions(text, c) and not mentions(own, c)]
    wrong += [s for s in rules.sectors if mentions(text, s) and not mentions(own, s)]
    wrong += [n for n in other_names if n.strip() and fold(n) in text]
    own_numbers = set(_NUMBER.findall(own.replace(" ", "")))
    wrong += [n for n in _NUMBER.findall(text) if n not in own_numbers and not any(n in o for o in own_numbers)]
    return _check("facts_true", not wrong, "not the lead's: " + ", ".join(wrong) if wrong else "ok")


def grade_guarantee(draft: DraftText, rules: DraftRules) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    hit = _search([*rules.guarantee_patterns, *(fold(p) for p in load_guard_rules().guarantee_patterns)], text)
    return _check("no_guarantee", hit is None, f"promise: {hit!r}" if hit else "ok")


def discount_first(text: str, rules: DraftRules, *, first_touch: bool) -> str | None:
    """The offending phrase when a price cut comes first (any, in a first touch), else None."""
    folded = fold(text)
    discount = None
    for pattern in rules.discount_patterns:
        match = re.search(pattern, folded, re.IGNORECASE)
        if match and (discount is None or match.start() < discount.start()):
            discount = match
    if discount is None:
        return None
    if first_touch:
        return discount.group(0)
    value = [m.start() for p in rules.value_patterns if (m := re.search(p, folded, re.IGNORECASE))]
    return discount.group(0) if not value or min(value) > discount.start() else None


def grade_discount(draft: DraftText, rules: DraftRules) -> Check:
    hit = discount_first(f"{draft.subject or ''}\n{draft.body}", rules, first_touch=draft.first_touch)
    return _check("no_discount_first", hit is None, f"price cut first: {hit!r}" if hit else "ok")


def grade_cta(draft: DraftText, rules: DraftRules) -> Check:
    hit = _search(getattr(rules.cta_patterns, draft.language), fold(draft.body))
    return _check("call_to_action", hit is not None, f"{hit!r}" if hit else "no next step asked for")


def grade_length(draft: DraftText) -> Check:
    limit = load_guard_rules().limits[draft.channel]
    problems = []
    if len(draft.body) > limit.body:
        problems.append(f"body {len(draft.body)} > {limit.body}")
    if draft.channel == "email":
        subject = draft.subject or ""
        if not subject.strip():
            problems.append("no subject")
        elif len(subject) > limit.subject:
            problems.append(f"subject {len(subject)} > {limit.subject}")
    if not draft.body.strip():
        problems.append("empty body")
    return _check("channel_length", not problems, "; ".join(problems) or f"body {len(draft.body)} <= {limit.body}")


def grade_optout(draft: DraftText, rules: DraftRules) -> Check | None:
    if draft.channel != "whatsapp":
        return None
    hit = _search(rules.optout_patterns, fold(draft.body))
    return _check("opt_out_line", hit is not None, f"{hit!r}" if hit else "no way to stop messages")


def grade_draft(draft: DraftText, lead: LeadFacts, *, other_names: Iterable[str] = (),
                rules: DraftRules | None = None) -> list[Check]:
    """Every quality check of one draft (the form checks of :mod:`evals.graders.draft_form` come on top)."""
    rules = rules or load_draft_rules()
    checks = [grade_language(draft, rules), grade_formality(draft, rules), grade_personalisation(draft, lead),
              grade_facts(draft, lead, rules, other_names), grade_guarantee(draft, rules),
              grade_discount(draft, rules), grade_cta(draft, rules), grade_length(draft)]
    optout = grade_optout(draft, rules)
    return [*checks, optout] if optout is not None else checks
