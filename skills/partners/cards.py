"""Partner suggestions as decision cards (type ``partner``, for the agency_partner role).

The card factory (:mod:`skills.cards.factory`) enforces the card rules; this module only brings
the partner's Arabic text and facts. Publishing goes through :class:`skills.cards.service.CardService`
(``card.publish``, audited by the gateway).
"""

from __future__ import annotations

from collections.abc import Sequence

from skills.cards.factory import CardFactory
from skills.cards.models import Card
from skills.cards.service import CardService
from skills.partners.catalog import Catalog, load_catalog
from skills.partners.drafts import SKILL
from skills.partners.models import PartnerSuggestion


def partner_card(factory: CardFactory, suggestion: PartnerSuggestion, catalog: Catalog | None = None) -> Card:
    catalog = catalog or load_catalog()
    texts = catalog.messages.card
    card = suggestion.scorecard
    flagged = card.competitor.flagged
    return factory.partner(
        ref=f"partner:{card.partner_id}",
        title_ar=texts["title"].format(name=card.partner_name, type_ar=card.type_ar),
        why_now_ar=suggestion.why_ar,
        recommended_action_ar=texts["action_competitor"] if flagged else texts["action"],
        risk_level="medium" if flagged else "low",
        impact=max(0, min(100, round(card.total))),
        skill=SKILL,
        value_sar=card.revenue.revenue_sar,
        dedupe_key=f"partner:{card.partner_id}",
        facts={texts["fact_score"]: f"{card.total:.1f}", texts["fact_offer"]: suggestion.recommended_offer_ar},
    )


def publish_partner_cards(cards: CardService, suggestions: Sequence[PartnerSuggestion], *, top: int = 3) -> int:
    """Cards for the best ``top`` suggestions; returns how many were new."""
    built = [partner_card(cards.factory, s) for s in suggestions[:top]]
    return cards.publish(built).new
