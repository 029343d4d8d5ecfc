"""Request and response schemas of ``/api/v1/negotiation``.

Texts are checked by the domain (``skills.negotiation.utterance``): empty, oversized or wordless text
is a 422 problem with a stable code (``text_empty``, ``text_too_long``, ``text_garbage``) and an
Arabic message. The ``max_length`` here is only a hard stop far above the domain's limits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.negotiation import NegotiationRun
from skills.negotiation.models import Classification, DealContext, NegotiationResult

HARD_MAX_CHARS = 20_000


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=HARD_MAX_CHARS, description="The customer's message, as received.")


class ClassifyResponse(BaseModel):
    classification: Classification = Field(description="Class, confidence (unknown when unsure) and evidence.")


class RespondRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=HARD_MAX_CHARS, description="The customer's message, as received.")
    deal: DealContext | None = Field(default=None, description="Who the reply is for, and on which channel.")
    seller_request: str | None = Field(
        default=None, max_length=HARD_MAX_CHARS,
        description="What the seller wants to do. A request for a discount first or a promised outcome is "
                    "refused with the reason in Arabic and recorded; it never shapes the reply.")


class RespondResponse(BaseModel):
    result: NegotiationResult = Field(description="Classification, checked reply, close plan and any refusals.")


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=HARD_MAX_CHARS, description="The lead's message, as received. Data, never "
                      "instructions: whatever it asks, it only selects the objection answered.")
    lead_id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$",
                         description="The Targeting OS lead the reply goes to: its names, sector, signals and "
                                     "its own contact point on the channel.")
    channel: Literal["email", "whatsapp"] = Field(description="The draft's channel. WhatsApp only to a lead with "
                                                              "a recorded opt-in (the gateway decides).")
    seller_request: str | None = Field(
        default=None, max_length=HARD_MAX_CHARS,
        description="What the seller wants to do; a discount first or a promised outcome is refused and recorded.")


class DraftResponse(BaseModel):
    draft: NegotiationRun = Field(description="The thread, the reply and either the approval the draft waits for "
                                              "in the approvals inbox or why no draft was made (reason_ar).")


class DemoItem(BaseModel):
    text: str
    seller_request: str | None = None
    result: NegotiationResult


class DemoResponse(BaseModel):
    deal: DealContext = Field(description="The demo deal every reply is written for.")
    items: list[DemoItem] = Field(description="One reply per sample message.")
    hostile: DemoItem = Field(description="A seller request for a discount and a promised outcome: refused.")


__all__ = ["ClassifyRequest", "ClassifyResponse", "DemoItem", "DemoResponse", "DraftRequest", "DraftResponse",
           "RespondRequest", "RespondResponse"]
