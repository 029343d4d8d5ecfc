"""Approved drafts and operator edits: the copywriter's self-improving loop.

    draft ──human approves (or edits, then approves)──▶ gateway executes ──▶ ExampleMemory.remember
    next lead of the same tenant, segment, channel and language ──▶ ExampleMemory.closest ──▶ copywriter

Each example carries the approval id that made it (the audit log names that approval), the
tenant, the segment (the lead's sector id, or ``general``), the channel and the language, and its
text as a slot template (see :mod:`tools.memory.slots`): no lead's facts, no contact details.
The caller names the segment (the Targeting OS's ``skills.targeting.segments.segment_of``): the
memory stores and filters by it and knows no sector catalogue.
One example per approval: remembering the same approval again replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.memory.slots import without_slots
from tools.memory.store import Record, VectorStore
from tools.saudi_time import Clock, system_clock

KIND = "approved_drafts"
GENERAL_SEGMENT = "general"


class ApprovedExample(BaseModel):
    """One approved draft, as a reusable example."""

    model_config = ConfigDict(frozen=True)

    tenant: str = Field(min_length=1)
    approval_id: str = Field(min_length=1, description="The approval that let this text leave; the audit log names it.")
    contact_id: str | None = Field(default=None, description="The lead it was first written for (for erasure).")
    segment: str = Field(min_length=1, description="Sector id of the lead, or 'general'.")
    channel: Literal["email", "whatsapp"]
    language: Literal["ar", "en"]
    action: str = Field(description="The action that carried it, e.g. 'gmail.draft'.")
    profile: str = Field(default="", description="Who it was for, without names: title, sector, city.")
    subject: str | None = Field(default=None, description="Subject template (email).")
    body: str = Field(min_length=1, description="Body template, with ⟦slot⟧ markers for the lead's facts.")
    edited: bool = Field(default=False, description="True when an approver edited the draft before approving.")
    original_body: str | None = Field(default=None, description="The copywriter's text before the edit (template).")
    stored_at: datetime

    def embedding_text(self) -> str:
        """Who the example was for (title, sector, city): the copywriter asks by the next lead's profile.

        Segment, channel and language are exact filters already; the body's words only stand in
        when no profile was recorded.
        """
        return self.profile.strip() or without_slots(self.body)


class ExampleHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    example: ApprovedExample
    score: float


class ExampleMemory:
    """The approved-drafts collection of one vector store."""

    def __init__(self, store: VectorStore, *, clock: Clock = system_clock) -> None:
        self.store = store
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def remember(self, example: ApprovedExample) -> None:
        payload = example.model_dump(mode="json", exclude={"tenant"})
        self.store.upsert(KIND, example.tenant, [Record(key=example.approval_id, text=example.embedding_text(),
                                                        payload=payload)])

    def closest(self, *, tenant: str, segment: str, channel: str, language: str, query: str,
                limit: int = 3) -> list[ExampleHit]:
        """The tenant's approved examples for this segment, channel and language, closest first.

        Ties (same score) go to operator-edited examples, then to the most recent.
        """
        hits = self.store.search(KIND, tenant, query, where={"segment": segment, "channel": channel,
                                                             "language": language}, limit=limit)
        found = [ExampleHit(example=_example(tenant, h.payload), score=h.score) for h in hits]
        found.sort(key=lambda h: (-round(h.score, 6), not h.example.edited, -h.example.stored_at.timestamp()))
        return found

    def for_contact(self, tenant: str, contact_id: str) -> list[ApprovedExample]:
        return [_example(tenant, h.payload) for h in self.store.scan(KIND, tenant, {"contact_id": contact_id})]

    def forget_contact(self, tenant: str, contact_id: str) -> int:
        return self.store.delete(KIND, tenant, {"contact_id": contact_id})


def _example(tenant: str, payload: dict[str, object]) -> ApprovedExample:
    return ApprovedExample.model_validate({**payload, "tenant": tenant})

