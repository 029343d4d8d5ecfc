"""Proof search: find earlier proof (packs, outcomes, approved results) by meaning, per tenant.

Text is PII-masked before it is embedded or kept, with the same keyed masker as the audit log,
so a search result never shows a phone, an email or a national id.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.memory.store import Record, VectorStore
from tools.pii import PiiMasker

KIND = "proof_search"


class ProofDoc(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str = Field(min_length=1, description="Stable id, e.g. a proof pack id or an audit event id.")
    kind: str = Field(min_length=1, description="What it is: proof_pack, outcome, case_study ...")
    title: str = ""
    text: str = Field(min_length=1)
    contact_id: str | None = Field(default=None, description="The contact it is about, if any (for erasure).")


class ProofHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    kind: str
    title: str
    text: str
    score: float


class ProofMemory:
    def __init__(self, store: VectorStore, masker: PiiMasker) -> None:
        self.store = store
        self._masker = masker

    def index(self, tenant: str, docs: list[ProofDoc]) -> int:
        records = []
        for doc in docs:
            payload: dict[str, object] = {"kind": doc.kind, "title": self._masker.mask_text(doc.title)}
            if doc.contact_id:
                payload["contact_id"] = doc.contact_id
            records.append(Record(key=doc.doc_id, text=self._masker.mask_text(f"{doc.title}\n{doc.text}".strip()),
                                  payload=payload))
        return self.store.upsert(KIND, tenant, records)

    def search(self, tenant: str, query: str, *, kind: str | None = None, limit: int = 5) -> list[ProofHit]:
        hits = self.store.search(KIND, tenant, query, where={"kind": kind} if kind else None, limit=limit)
        return [ProofHit(doc_id=h.key, kind=str(h.payload.get("kind", "")), title=str(h.payload.get("title", "")),
                         text=h.text, score=h.score) for h in hits]

    def forget_contact(self, tenant: str, contact_id: str) -> int:
        return self.store.delete(KIND, tenant, {"contact_id": contact_id})

    def for_contact(self, tenant: str, contact_id: str) -> list[str]:
        return [h.key for h in self.store.scan(KIND, tenant, {"contact_id": contact_id})]
