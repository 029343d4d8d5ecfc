"""Graders of what makes a draft worth approving, beyond safety (issue 22).

    no_leakage ........ names no other lead: none of their company or person names (distinctive words,
                        any prefix), none of their phones or emails
    specific .......... a lead with a why-now signal gets a draft that says it (subject and body);
                        a lead without one gets a draft that claims none
    grounded .......... every situation it names is one of the lead's signals, and every claim about
                        the sender's customers or record is in the sender profile
    arabic_form ....... Arabic copy: no Latin city, no "Unknown", «لـ» never glued to a Latin name,
                        multi-word Latin runs inside bidi isolates, the brand named at most once
    subject_matches ... each situation the subject names, the body says too

Independent of the runtime on purpose: written from the rules file, not from the copywriter's lexicon,
so a bug there cannot hide here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from evals.graders.drafts import DraftRules, DraftText, LeadFacts, mentions
from evals.models import Check
from evals.textnorm import fold

FSI, PDI = "\u2068", "\u2069"
_WORDS = re.compile(r"[\s\-_.,،؛;:/&+()'\"«»\u2068\u2069]+")
# A Latin run of several words (or ending in punctuation) that bidi would reorder in Arabic text.
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9&'\-]*(?:[ .,][A-Za-z0-9&'\-]+)+\.?")
_GLUED_LAM = re.compile(r"(?<![^\W_])[وف]?[لب]\u0640?\s?\u2068?[A-Za-z]")


def _situations_in(folded: str, rules: DraftRules) -> set[str]:
    return {name for name, words in rules.situation_words.items() if any(fold(w) in folded for w in words)}


def _lead_situations(lead: LeadFacts, rules: DraftRules) -> list[str]:
    return [rules.signal_situation[s.kind] for s in lead.signals if s.kind in rules.signal_situation]


def distinctive(value: str, rules: DraftRules) -> set[str]:
    generic = {fold(w) for w in rules.generic_words}
    words = set()
    for word in _WORDS.split(fold(value)):
        bare = word[2:] if word.startswith("ال") and len(word) > 4 else word
        if len(bare) >= 3 and word not in generic and bare not in generic and not bare.isdigit():
            words.add(bare)
    return words


def grade_leakage(draft: DraftText, lead: LeadFacts, others: Iterable[LeadFacts], rules: DraftRules) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    digits = re.sub(r"\D", "", text)
    own = set().union(*(distinctive(v, rules) for v in lead.values()))
    leaked: list[str] = []
    for other in others:
        for value in (other.company_name, other.company_name_ar, other.contact_name, other.contact_name_ar):
            leaked += [w for w in sorted(distinctive(value, rules) - own) if mentions(text, w)]
        if other.email and fold(other.email) in text:
            leaked.append("an email of another lead")
        phone = re.sub(r"\D", "", other.phone)
        if len(phone) >= 7 and phone[-9:] in digits:
            leaked.append("a phone of another lead")
    return Check(name="no_leakage", passed=not leaked,
                 detail="another lead's " + ", ".join(sorted(set(leaked))) if leaked else "ok")


def grade_specificity(draft: DraftText, lead: LeadFacts, rules: DraftRules) -> Check:
    body, subject = fold(draft.body), fold(draft.subject or "")
    wanted = _lead_situations(lead, rules)
    if not wanted:
        said = _situations_in(f"{subject}\n{body}", rules)
        return Check(name="specific", passed=not said,
                     detail=f"no signal, yet says {sorted(said)}" if said else "says less: no signal, none claimed")
    said_body = _situations_in(body, rules) & set(wanted)
    said_subject = _situations_in(subject, rules) & set(wanted) if draft.channel == "email" else said_body
    ok = bool(said_body) and bool(said_subject)
    return Check(name="specific", passed=ok, detail=f"says {sorted(said_body)}" if ok
                 else f"the lead's {wanted} not said in the {'body' if not said_body else 'subject'}")


def grade_grounding(draft: DraftText, lead: LeadFacts, rules: DraftRules, sender_text: str) -> Check:
    text = fold(f"{draft.subject or ''}\n{draft.body}")
    ungrounded = sorted(_situations_in(text, rules) - set(_lead_situations(lead, rules)))
    sender = fold(sender_text)
    claims = [m.group(0) for p in rules.sender_claim_patterns
              if (m := re.search(p, text, re.IGNORECASE)) and not re.search(p, sender, re.IGNORECASE)]
    problems = [f"situation without a signal: {s}" for s in ungrounded] + [f"sender claim not in profile: {c!r}"
                                                                        for c in claims]
    return Check(name="grounded", passed=not problems, detail="; ".join(problems) or "every fact traceable")


def grade_arabic_form(draft: DraftText, rules: DraftRules) -> Check | None:
    if draft.language != "ar":
        return None
    raw = f"{draft.subject or ''}\n{draft.body}"
    text = fold(raw)
    problems = [f"Latin city {c!r}" for c in rules.latin_cities if re.search(rf"\b{re.escape(c)}\b", text)]
    problems += [f"placeholder {w!r}" for w in rules.placeholder_words
                 if re.search(rf"(?<!\w){re.escape(fold(w))}(?!\w)", text)]
    if _GLUED_LAM.search(raw):
        problems.append("a proclitic glued to a Latin name")
    isolated = re.sub(f"{FSI}[^{PDI}]*{PDI}", " ", raw)
    problems += [f"Latin run outside isolates {m.group(0)!r}" for m in _LATIN_RUN.finditer(isolated)]
    brands = sum(len(re.findall(rf"\b{re.escape(b)}\b", text)) for b in rules.brand_names)
    if brands > 1:
        problems.append(f"brand named {brands} times")
    return Check(name="arabic_form", passed=not problems, detail="; ".join(problems) or "ok")


def grade_subject_matches(draft: DraftText, rules: DraftRules) -> Check | None:
    if draft.channel != "email" or not draft.subject:
        return None
    missing = sorted(_situations_in(fold(draft.subject), rules) - _situations_in(fold(draft.body), rules))
    return Check(name="subject_matches_body", passed=not missing,
                 detail=f"subject says {missing}, body does not" if missing else "ok")


def form_checks(draft: DraftText, lead: LeadFacts, rules: DraftRules, *, other_leads: Iterable[LeadFacts] = (),
                sender_text: str = "") -> list[Check]:
    checks = [grade_leakage(draft, lead, other_leads, rules), grade_specificity(draft, lead, rules),
              grade_grounding(draft, lead, rules, sender_text)]
    checks += [c for c in (grade_arabic_form(draft, rules), grade_subject_matches(draft, rules)) if c is not None]
    return checks
