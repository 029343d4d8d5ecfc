"""Decision cards: the model, the factory, the feed, decisions and the WhatsApp rendering.

``from skills.cards.models import Card`` is the contract; :class:`skills.cards.factory.CardFactory`
builds cards from gateway and domain events. Nothing runs at import.
"""

from skills.cards.models import Card, CardButton, CardContext, CardSource, CardStatus, CardType

__all__ = ["Card", "CardButton", "CardContext", "CardSource", "CardStatus", "CardType"]
