"""Request and response schemas of ``/api/v1/consent``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.consent import LawfulBasis
from tools.consent_book import ConsentChange, ConsentView
from tools.models import Channel


class OptInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=200, description="Phone (any spelling) or email.")
    channel: Channel = Field(description="whatsapp, phone or sms for a phone; email for an email.")
    source: str = Field(min_length=1, max_length=300,
                        description="Where the consent came from: form id, call, message.")
    basis: LawfulBasis = Field(default=LawfulBasis.consent, description="The lawful basis (PDPL).")
    renewed: bool = Field(default=False, description="The person consented again after opting out.")


class OptOutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=200, description="Phone (any spelling) or email.")
    channel: Channel = Field(default=Channel.all, description="One channel, or all.")
    source: str = Field(default="api", min_length=1, max_length=300, description="Where the request came from.")


class LookupRequest(BaseModel):
    """The address goes in the body, not the URL: URLs end up in access logs."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=200, description="Phone (any spelling) or email.")


class ConsentChangeResponse(BaseModel):
    change: ConsentChange = Field(description="What was recorded, the audit event, and where the address stands now.")


class ConsentViewResponse(BaseModel):
    consent: ConsentView = Field(description="Per channel (an opt-out wins), and every event behind it.")
