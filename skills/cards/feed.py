"""The command feed: one role's open cards, most pressing first, each decision shown once.

Which card types a role sees is data (``feeds`` in ``data/cards.yaml``). A card addressed to a role
is always in that role's feed, and a card that answers a gateway approval reaches only the roles
that may approve it, so nobody is shown a button they are not allowed to press.

Order: score = urgency x w_urgency + impact x w_impact + a bonus for risk (weights in the data
file), then the earliest deadline, then the oldest card, then the id: deterministic. Cards with
one dedupe key are one decision: the feed keeps the best of them and counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.models import Card, CardType
from skills.cards.texts import CardTexts
from tools.models import Role

_FAR = datetime.max.replace(tzinfo=None)


class FeedItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    card: Card
    score: float = Field(description="Urgency, impact and risk in one number; the feed's order.")
    duplicates: int = Field(default=0, description="Other open cards for the same decision, folded into this one.")


class Feed(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    generated_at: datetime
    items: list[FeedItem]
    total: int = Field(description="Distinct decisions for this role before the limit.")
    duplicates_dropped: int
    data_version: str


def visible_to(card: Card, role: Role, texts: CardTexts) -> bool:
    """May ``role`` see (and so decide) this card?"""
    roles = card.context.approver_roles
    if roles and role not in roles:
        return False
    return card.role == role or card.type in texts.feed_types(role)


def score(card: Card, texts: CardTexts) -> float:
    weights = texts.data.ordering
    return round(card.urgency * weights.w_urgency + card.impact * weights.w_impact
                 + weights.risk_bonus.get(card.risk_level, 0.0), 3)


def _order_key(item: FeedItem) -> tuple[float, datetime, datetime, str]:
    due = item.card.context.due_at
    due_key = due.replace(tzinfo=None) if due is not None else _FAR
    return (-item.score, due_key, item.card.created_at.replace(tzinfo=None), item.card.card_id)


def build_feed(cards: Iterable[Card], role: Role, texts: CardTexts, *, now: datetime, limit: int | None = 20,
               types: Iterable[CardType] | None = None) -> Feed:
    """The role's feed over ``cards`` (open ones only), deduplicated and ordered."""
    wanted = frozenset(types) if types is not None else None
    groups: dict[str, list[FeedItem]] = {}
    for card in cards:
        if not card.is_open or not visible_to(card, role, texts):
            continue
        if wanted is not None and card.type not in wanted:
            continue
        groups.setdefault(card.dedupe_key, []).append(FeedItem(card=card, score=score(card, texts)))
    items = []
    dropped = 0
    for group in groups.values():
        group.sort(key=_order_key)
        items.append(group[0].model_copy(update={"duplicates": len(group) - 1}))
        dropped += len(group) - 1
    items.sort(key=_order_key)
    return Feed(role=role, generated_at=now, items=items[:limit] if limit else items, total=len(items),
                duplicates_dropped=dropped, data_version=texts.data.version)
