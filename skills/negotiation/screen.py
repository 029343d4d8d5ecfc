"""Screening what a person asks for or writes: a seller's request, and an approver's edit of a reply draft.

A request ("give them 50% off now", "promise we'll double their sales") or an edited draft that opens
with a price cut or promises an outcome is refused: each kind stands for a blocked policy action
(``negotiation.discount_first``, ``negotiation.guarantee_outcome``), so the gateway gives the Arabic
reason and records the attempt. A seller's request never reaches the reply's text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from agents.guard import DraftFacts, check_text
from skills.negotiation.catalog import load_rules
from skills.negotiation.models import RefusalCode
from skills.negotiation.rules import pattern_hit
from skills.negotiation.utterance import check_utterance, clean, fold
from skills.targeting.textkeys import fold_digits
from tools.pii import PiiMasker


class Violation(BaseModel):
    """One thing a seller asked for that the negotiation rules forbid."""

    model_config = ConfigDict(frozen=True)

    code: RefusalCode
    action: str
    matched: str


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[RefusalCode, str, tuple[re.Pattern[str], ...]], ...]:
    groups = load_rules().seller_request_patterns
    out: list[tuple[RefusalCode, str, tuple[re.Pattern[str], ...]]] = []
    for code in ("discount_first", "guarantee_outcome"):
        group = groups[code]
        out.append((code, group.action, tuple(re.compile(p, re.IGNORECASE) for p in group.patterns)))
    return tuple(out)


def screen_seller_request(request: str | None) -> list[Violation]:
    """Every forbidden kind the request asks for (at most one per kind); empty when it asks for none."""
    if request is None or not request.strip():
        return []
    limit = load_rules().limits.seller_request_max_chars
    text = fold(check_utterance(request, max_chars=limit, code_prefix="seller_request"))
    violations: list[Violation] = []
    for code, action, patterns in _patterns():
        for pattern in patterns:
            match = pattern.search(text)
            if match is not None:
                violations.append(Violation(code=code, action=action, matched=match.group(0)))
                break
    return violations


def screen_draft_text(*, subject: str | None, body: str, masker: PiiMasker) -> list[Violation]:
    """What in a (possibly edited) draft promises an outcome or offers a price cut: the shared guard's
    patterns and the negotiation's own. Other guard checks (numbers, length) do not apply to a person's edit."""
    report = check_text(body=body, subject=subject, channel="email", language="en", facts=DraftFacts(allowed_values=()),
                        masker=masker)
    text = fold_digits(clean(f"{subject or ''}\n{body}"))
    actions = {code: group.action for code, group in load_rules().seller_request_patterns.items()}
    found: list[Violation] = []
    for code, guard_code, kind in (("discount_first", "discount_first", "discount_first"),
                                   ("guarantee_outcome", "guarantee_claim", "guarantee")):
        hit = next((p.detail for p in report.problems if p.code == guard_code), None) or pattern_hit(kind, text)
        if hit is not None:
            found.append(Violation(code=code, action=actions[code], matched=hit))
    return found
