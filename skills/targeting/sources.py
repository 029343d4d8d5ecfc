"""The source registry: may a lead from this source be contacted at all?

crm_export, inbound_form, referral, event_with_consent, public_business_registry and
partner_intro are safe; purchased_list needs review; anything scraped (LinkedIn or otherwise) is
blocked, whatever it is called; an unknown or missing source goes to manual review.
"""

from __future__ import annotations

from functools import lru_cache

from skills.targeting.catalog import SourceRule, load_catalog
from skills.targeting.models import SourceDecision
from skills.targeting.textkeys import match_key


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for source_id, rule in load_catalog().sources.sources.items():
        for name in (source_id, *rule.aliases):
            table[match_key(name)] = source_id
    return table


@lru_cache(maxsize=4096)
def classify_source(raw: str | None) -> SourceDecision:
    """Decide a source by name; blocked words win over any alias."""
    sources = load_catalog().sources
    key = match_key(raw)
    if not key:
        return _decision("missing", raw, sources.missing)
    if any(match_key(word) in key for word in sources.blocked_words):
        source_id = _aliases().get(key)
        if source_id is None or sources.sources[source_id].verdict != "blocked":
            source_id = "linkedin_scrape" if "linkedin" in key or "لينكد" in key else "scraped"
        return _decision(source_id, raw, sources.sources[source_id])
    source_id = _aliases().get(key)
    if source_id is None:
        return _decision("unknown", raw, sources.unknown)
    return _decision(source_id, raw, sources.sources[source_id])


def _decision(source_id: str, raw: str | None, rule: SourceRule) -> SourceDecision:
    return SourceDecision(
        source_id=source_id, raw=raw, verdict=rule.verdict, relationship=rule.relationship,
        reason_ar=rule.reason_ar, reason_en=rule.reason_en,
    )
