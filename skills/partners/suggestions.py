"""Partner suggestions: score every candidate against the tenant's ICP, rank, recommend an offer.

The first-message channel is email when there is an address; WhatsApp only when the partner has
agreed to it (no cold WhatsApp); otherwise none, and the brief suggests an introduction instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from skills.partners.catalog import Catalog, load_catalog
from skills.partners.models import DraftChannel, PartnerCandidate, PartnerProfile, PartnerSuggestion, Scorecard
from skills.partners.offers import recommended_model
from skills.partners.scoring import rank_scorecards, score_partner
from skills.targeting.ranking import Icp


def first_channel(candidate: PartnerCandidate) -> DraftChannel | None:
    if candidate.email:
        return "email"
    if candidate.phone and candidate.whatsapp_opt_in:
        return "whatsapp"
    return None


def why_line(card: Scorecard) -> str:
    """The two components that add the most points, each with its first reason."""
    strongest = sorted(card.components, key=lambda c: (-c.weighted, c.component))[:2]
    parts = [f"{c.label_ar}: {c.reasons_ar[0]}" for c in strongest if c.reasons_ar]
    if card.competitor.flagged and card.competitor.reason_ar:
        parts.append(card.competitor.reason_ar)
    return " · ".join(parts)


def suggest(candidates: Sequence[PartnerCandidate], *, icp: Icp | None = None, profile: PartnerProfile | None = None,
            top: int | None = None, catalog: Catalog | None = None) -> list[PartnerSuggestion]:
    catalog = catalog or load_catalog()
    icp = icp or Icp.default()
    by_id = {c.partner_id: c for c in candidates}
    ranked = rank_scorecards(score_partner(c, icp=icp, profile=profile, catalog=catalog) for c in candidates)
    suggestions: list[PartnerSuggestion] = []
    for rank, card in enumerate(ranked[:top] if top is not None else ranked, start=1):
        candidate = by_id[card.partner_id]
        model = recommended_model(candidate, card.competitor, catalog)
        suggestions.append(PartnerSuggestion(
            rank=rank, scorecard=card, recommended_offer=model,
            recommended_offer_ar=catalog.offers.models[model].name_ar, why_ar=why_line(card),
            channel=first_channel(candidate),
        ))
    return suggestions
