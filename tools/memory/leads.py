"""Similar leads: "which of our leads look like this one?" for ranking, reviews and partner ideas.

Only business facts are embedded and kept (company, sector, city, title): never a contact's
name, phone or email. Each point carries the lead id as ``contact_id`` so erasure can find it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from tools.memory.examples import GENERAL_SEGMENT
from tools.memory.store import Record, VectorStore

KIND = "similar_leads"


class LeadProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    lead_id: str = Field(min_length=1)
    company_name: str = Field(min_length=1)
    sector: str = ""
    city: str = ""
    title: str = Field(default="", description="The contact's job title (not their name).")
    segment: str = Field(default=GENERAL_SEGMENT, min_length=1,
                         description="The lead's sector id (skills.targeting.segments.segment_of), or 'general'.")

    def text(self) -> str:
        return " | ".join(v for v in (self.company_name, self.sector, self.city, self.title) if v)


class SimilarLead(BaseModel):
    model_config = ConfigDict(frozen=True)

    lead_id: str
    company_name: str
    segment: str
    score: float


class LeadMemory:
    def __init__(self, store: VectorStore) -> None:
        self.store = store

    def index(self, tenant: str, leads: Iterable[LeadProfile]) -> int:
        records = [Record(key=lead.lead_id, text=lead.text(),
                          payload={"contact_id": lead.lead_id, "company_name": lead.company_name,
                                   "segment": lead.segment})
                   for lead in leads]
        return self.store.upsert(KIND, tenant, records)

    def similar(self, tenant: str, text: str, *, segment: str | None = None, limit: int = 5,
                exclude: str | None = None) -> list[SimilarLead]:
        where = {"segment": segment} if segment else {}
        hits = self.store.search(KIND, tenant, text, where=where, limit=limit + (1 if exclude else 0))
        found = [SimilarLead(lead_id=h.key, company_name=str(h.payload.get("company_name", "")),
                             segment=str(h.payload.get("segment", "")), score=h.score)
                 for h in hits if h.key != exclude]
        return found[:limit]

    def forget_contact(self, tenant: str, contact_id: str) -> int:
        return self.store.delete(KIND, tenant, {"contact_id": contact_id})

    def for_contact(self, tenant: str, contact_id: str) -> list[str]:
        return [h.text for h in self.store.scan(KIND, tenant, {"contact_id": contact_id})]
