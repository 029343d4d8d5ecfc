"""Request and response schemas of ``/api/v1/cards``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skills.cards.decisions import CardDecisionRequest, CardDecisionResult
from skills.cards.feed import Feed
from skills.cards.models import Card
from skills.cards.replies import ReplyMatch
from skills.cards.service import PublishReport
from skills.cards.whatsapp import WhatsAppCard


class FeedResponse(BaseModel):
    feed: Feed = Field(description="The role's open cards, most pressing first, duplicates folded.")
    refreshed: PublishReport = Field(description="Cards created or refreshed from the current state by this call.")


class CardResponse(BaseModel):
    card: Card


class DecisionResponse(BaseModel):
    result: CardDecisionResult


class WhatsAppResponse(BaseModel):
    whatsapp: WhatsAppCard = Field(description="Text brief with numbered options, and the interactive message.")


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1024, description="What the person replied: '1', 'موافق', a button id.")
    reason: str | None = Field(default=None, max_length=1000)


class ReplyResponse(BaseModel):
    match: ReplyMatch
    result: CardDecisionResult | None = Field(default=None, description="The decision taken, when the reply matched.")


__all__ = ["CardDecisionRequest", "CardResponse", "DecisionResponse", "FeedResponse", "ReplyRequest", "ReplyResponse",
           "WhatsAppResponse"]
