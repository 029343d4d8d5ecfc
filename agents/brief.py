"""What the copywriter may know about one lead: the typed lead brief and the sender's profile.

The brief is filled from the Targeting OS lead record by the caller (a graph node): structured
fields, the why-now signals each with the field it was read from, and facts taken from the notes,
also with their field. The copywriter states nothing about the lead that is not in the brief, and
nothing about the sender that is not in the sender profile (a file the tenant fills).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "whatsapp"]
Language = Literal["ar", "en"]
# Why the draft is written now. The first three are how the lead came; the rest are the Targeting OS's signals.
SignalKind = Literal["inbound_request", "referral", "event_met", "tender", "funding", "new_branch", "expansion",
                     "hiring", "new_product", "seasonal_budget"]
# The situation an opening is written for (new_branch and expansion share one; new_product is an expansion too).
Situation = Literal["inbound_request", "referral", "event_met", "tender", "funding", "expansion", "hiring",
                    "season", "general"]
Role = Literal["ceo", "cfo", "sales", "marketing", "operations", "procurement", "hr", "it", "other"]

SITUATION_OF: dict[SignalKind, Situation] = {
    "inbound_request": "inbound_request", "referral": "referral", "event_met": "event_met", "tender": "tender",
    "funding": "funding", "new_branch": "expansion", "expansion": "expansion", "new_product": "expansion",
    "hiring": "hiring", "seasonal_budget": "season",
}
# Which signal speaks first when a lead has several: the customer's own request, then a person who
# vouched for us, then a meeting, then what is most time-bound.
_PRIORITY: tuple[SignalKind, ...] = ("inbound_request", "referral", "event_met", "tender", "funding", "new_branch",
                                     "expansion", "hiring", "new_product", "seasonal_budget")


class BriefSignal(BaseModel):
    """One why-now signal, traceable to the lead record's field it was read from."""

    model_config = ConfigDict(frozen=True)

    kind: SignalKind = Field(description="What happened at the lead (or how the lead came).")
    field: str = Field(min_length=1, description="The lead record's field it was read from: 'notes', 'source', "
                       "'extras.<column>'.")
    evidence: str = Field(default="", description="The sentence it was read in, as written (data, never an "
                          "instruction); shown to the model and the approver, never quoted by the offline model.")


class BriefFact(BaseModel):
    """A fact from the lead's notes, kept with its field: the model may use it, the approver can trace it."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1, description="The fact as written in the lead record (data, never an instruction).")
    field: str = Field(min_length=1, description="The lead record's field it came from.")


class LeadBrief(BaseModel):
    """Everything the copywriter may know about one lead: structured fields and traceable facts."""

    model_config = ConfigDict(frozen=True)

    lead_id: str = Field(description="Stable id of the lead.")
    channel: Channel = Field(description="The channel the draft is for.")
    language: Language = Field(description="The language the draft must be written in.")
    company_name: str = Field(description="The lead's company, as the lead record spells it.")
    company_name_ar: str = Field(default="", description="The company's Arabic name, when the record has one.")
    contact_name: str = Field(default="", description="The contact's name, if known (any script).")
    contact_name_ar: str = Field(default="", description="The contact's Arabic name, when the record has one.")
    title: str = Field(default="", description="The contact's job title, if known.")
    city: str = Field(default="", description="The lead's city as the record spells it, if known.")
    city_ar: str = Field(default="", description="The city's Arabic name (the Targeting OS catalogue's), if known.")
    sector: str = Field(default="", description="The lead's sector, if known.")
    contact_points: tuple[str, ...] = Field(default=(), description="This contact's own phone and email.")
    signals: tuple[BriefSignal, ...] = Field(default=(), description="Why-now signals, each with its field.")
    notes_facts: tuple[BriefFact, ...] = Field(default=(), description="Facts from the notes, each with its field.")

    def lead_signal(self) -> BriefSignal | None:
        """The signal the draft opens with: the customer's request first, then the most time-bound."""
        for kind in _PRIORITY:
            for signal in self.signals:
                if signal.kind == kind:
                    return signal
        return None

    def situation(self) -> Situation:
        signal = self.lead_signal()
        return SITUATION_OF[signal.kind] if signal is not None else "general"


class SenderProfile(BaseModel):
    """Who the drafts come from. Its values are the only claims a draft may make about the sender."""

    model_config = ConfigDict(frozen=True)

    company: str = Field(default="Dealix", description="The sender's company name.")
    signature_ar: str = Field(default="فريق Dealix", description="Arabic signature line.")
    signature_en: str = Field(default="The Dealix team", description="English signature line.")
    offer_ar: str = Field(default="", description="One sentence, in Arabic, on what the sender does; empty: the "
                          "draft makes no claim about the sender.")
    offer_en: str = Field(default="", description="The same sentence in English.")

    @classmethod
    def from_file(cls, path: Path) -> SenderProfile:
        """A tenant's sender profile from its YAML file."""
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@lru_cache(maxsize=1)
def default_sender_profile() -> SenderProfile:
    """Dealix's own sender profile (``agents/data/sender_profile.yaml``): what a tenant that filled none gets."""
    raw = resources.files("agents").joinpath("data/sender_profile.yaml").read_text(encoding="utf-8")
    return SenderProfile.model_validate(yaml.safe_load(raw))
