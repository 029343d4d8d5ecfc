"""The negotiation rules, checked on every reply (offline or model), together with the shared output guard.

    no_guarantee          no promised outcome (the guard's guarantee patterns + negotiation phrasings)
    no_discount_first     no price cut, lower price or free offer (guard + negotiation phrasings)
    scope_before_price    the scope question is a question, and nothing before it talks price
    pilot_first           a pilot is proposed, and nothing up to it talks price
    price_linked_to_proof the reply says how results are measured; every sentence that talks price cites that proof
    next_step             the reply ends with a question that names the proposed date
    one_question          (a clarifying reply, to an unknown objection) exactly one question in the body

The term lists and patterns are data (``data/rules.yaml``); the guard is ``agents.guard.check_text``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agents.guard import Channel, DraftFacts, GuardReport, Language, check_text
from skills.negotiation.catalog import Rules, load_rules
from skills.negotiation.models import ReplyCheck, ReplySections, RuleCheck, RuleCode
from skills.negotiation.utterance import clean, fold
from skills.targeting.textkeys import fold_digits
from tools.pii import PiiMasker

_SENTENCE_END = re.compile(r"[.!?؟;؛\n]+")
_QUESTION = re.compile(r"[?؟]")


@lru_cache(maxsize=1)
def _reply_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    return {kind: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
            for kind, patterns in load_rules().reply_patterns.items()}


def _has_term(text: str, terms: tuple[str, ...]) -> bool:
    """Arabic terms anywhere inside a word; Latin terms as whole words. ``text`` is folded."""
    words = set(text.split())
    return any((term in text) if not term.isascii() else (term in words) for term in terms)


def mentions_price(text: str, rules: Rules | None = None) -> bool:
    return _has_term(fold(text), (rules or load_rules()).terms.price)


def _sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


def pattern_hit(kind: str, text: str) -> str | None:
    """The first match of the negotiation's own ``reply_patterns`` of ``kind`` in ``text``, or None."""
    for pattern in _reply_patterns().get(kind, ()):
        match = pattern.search(text)
        if match is not None:
            return match.group(0)
    return None


def check_rules(sections: ReplySections, body: str, *, proposed_date: str, clarify: bool = False) -> list[RuleCheck]:
    """The six rules on the sections and the rendered body (without the guard).

    ``clarify`` (the reply to a message with no clear objection): the reply asks exactly one question,
    its scope question, and offers the dated call as a statement; a pilot and its proof may wait for
    the call, but any price talk still needs both.
    """
    rules = load_rules()
    terms = rules.terms
    text = fold_digits(clean(body))
    early = [sections.acknowledge, sections.scope_question]
    price_sentences = [s for part in sections.model_dump().values() for s in _sentences(part)
                       if _has_term(fold(s), terms.price)]
    results: dict[RuleCode, bool] = {
        "no_guarantee": pattern_hit("guarantee", text) is None,
        "no_discount_first": pattern_hit("discount_first", text) is None,
        "scope_before_price": bool(_QUESTION.search(sections.scope_question))
        and not any(mentions_price(part, rules) for part in early),
        "pilot_first": _has_term(fold(sections.pilot_offer), terms.pilot)
        and not any(mentions_price(part, rules) for part in (*early, sections.pilot_offer)),
        "price_linked_to_proof": _has_term(fold(sections.proof_link), terms.proof)
        and all(_has_term(fold(s), terms.proof) for s in price_sentences),
        "next_step": bool(proposed_date) and clean(proposed_date) in clean(sections.next_step)
        and bool(_QUESTION.search(sections.next_step)),
    }
    if clarify:
        quiet = not price_sentences and not sections.pilot_offer.strip() and not sections.proof_link.strip()
        results["pilot_first"] = results["pilot_first"] or quiet
        results["price_linked_to_proof"] = results["price_linked_to_proof"] or quiet
        results["next_step"] = bool(proposed_date) and clean(proposed_date) in clean(sections.next_step) \
            and not _QUESTION.search(sections.next_step)
        results["one_question"] = len(_QUESTION.findall(text)) == 1
    return [RuleCheck(code=code, ok=ok, message_ar=rules.rule_messages[code]) for code, ok in results.items()]


def check_reply(sections: ReplySections, *, body: str, subject: str | None, proposed_date: str, channel: Channel,
                language: Language, facts: DraftFacts, masker: PiiMasker, clarify: bool = False) -> ReplyCheck:
    """The negotiation rules and the shared output guard on one rendered reply."""
    guard: GuardReport = check_text(body=body, subject=subject, channel=channel, language=language, facts=facts,
                                    masker=masker)
    checks = check_rules(sections, body, proposed_date=proposed_date, clarify=clarify)
    guard_codes = {p.code for p in guard.problems}
    # The guard's guarantee and discount findings are the same rules: show them on the rule rows too.
    checks = [c.model_copy(update={"ok": False}) if (c.code == "no_guarantee" and "guarantee_claim" in guard_codes)
              or (c.code == "no_discount_first" and "discount_first" in guard_codes) else c for c in checks]
    return ReplyCheck(ok=guard.ok and all(c.ok for c in checks), rules=tuple(checks), guard=guard)
