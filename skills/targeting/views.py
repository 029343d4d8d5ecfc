"""The lead list a team works from: each lead with its contact points, verdicts, consent, touches,
merges and notes, in pages. What ``dealix targeting leads``, ``GET /api/v1/targeting/leads``, the
console's leads page and the exports show.

Notes are shown as written (the console escapes them); they are data for a person to read, and
nothing here acts on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.models import (
    Contactability,
    ContactStatus,
    Lead,
    MergeRecord,
    NoteFlag,
    PhoneKind,
    Target,
)
from tools.consent import ConsentRecord

PointKind = Literal["email", "mobile", "landline", "toll_free", "unified", "unknown"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ContactPoint(_Frozen):
    kind: PointKind = Field(description="email, or the phone's kind (mobile, landline, toll_free, unified).")
    value: str = Field(description="E.164 for a phone, lower-case for an email.")
    raw: str = Field(description="As written in the file.")
    lead_id: str = Field(description="The lead (or merged duplicate) it was read from.")


class ConsentEvent(_Frozen):
    channel: str
    status: Literal["opt_in", "opt_out"]
    lawful_basis: str
    source: str
    recorded_at: datetime
    scope: Literal["address", "lead"] = Field(description="Recorded for the phone/email itself, or for the lead.")


class TouchView(_Frozen):
    lead_id: str
    channel: str
    at: datetime
    replied: bool


class LeadRow(_Frozen):
    lead_id: str
    company_name: str
    contact_name: str | None
    title: str | None
    city: str | None = Field(description="Canonical city id, or the city as written when not recognised.")
    source_id: str
    source_raw: str | None
    status: ContactStatus = Field(description="The best contactability over the channels.")
    contact_points: list[ContactPoint]
    contactability: Contactability = Field(description="Per channel, with the reason (and consent provenance).")
    consent: list[ConsentEvent] = Field(description="Consent history of the lead and its phone/email, oldest first.")
    touches: list[TouchView] = Field(description="Outreach recorded for the lead and its merged duplicates.")
    merges: list[MergeRecord] = Field(description="Merges the lead is part of (undo with the merge id).")
    merged_ids: list[str]
    notes: list[str] = Field(description="Notes of the lead and its merged duplicates, as written: data for a "
                                         "person to read, never acted on.")
    flags: list[NoteFlag]
    score: float
    file_row: str = Field(description="import id and row number the lead came from.")


class LeadPage(_Frozen):
    total: int = Field(description="Leads matching the filter (merged duplicates are inside their lead).")
    offset: int
    limit: int
    leads: list[LeadRow]


def contact_points(members: list[Lead]) -> list[ContactPoint]:
    points: dict[str, ContactPoint] = {}
    for m in members:
        if m.phone is not None:
            kind: PhoneKind = m.phone.kind
            points.setdefault(m.phone.e164, ContactPoint(kind=kind, value=m.phone.e164, raw=m.phone.raw,
                                                         lead_id=m.lead_id))
        if m.email is not None:
            points.setdefault(m.email, ContactPoint(kind="email", value=m.email, raw=m.email, lead_id=m.lead_id))
    return list(points.values())


def consent_events(records: list[ConsentRecord]) -> list[ConsentEvent]:
    """One event per change: a change recorded for the address and for each of its leads shows once."""
    events: dict[tuple[object, ...], ConsentEvent] = {}
    for r in records:
        key = (r.channel, r.status, r.lawful_basis, r.source, r.recorded_at)
        scope: Literal["address", "lead"] = "address" if r.contact_id.startswith("addr:") else "lead"
        if key not in events or scope == "address":
            events[key] = ConsentEvent(channel=r.channel.value, status=r.status, lawful_basis=r.lawful_basis.value,
                                       source=r.source, recorded_at=r.recorded_at, scope=scope)
    return list(events.values())


def lead_row(target: Target, members: list[Lead], *, consent: list[ConsentRecord], touches: list[TouchView],
             merges: list[MergeRecord]) -> LeadRow:
    lead = members[0]
    return LeadRow(
        lead_id=lead.lead_id, company_name=lead.company_name, contact_name=lead.contact_name, title=lead.title,
        city=lead.city_id or lead.city_raw, source_id=lead.source.source_id, source_raw=lead.source.raw,
        status=target.contactability.status, contact_points=contact_points(members),
        contactability=target.contactability, consent=consent_events(consent), touches=touches, merges=merges,
        merged_ids=target.merged_ids, notes=[m.notes for m in members if m.notes], flags=target.flags,
        score=target.score.total,
        file_row=f"{lead.import_id}:{lead.row_number}",
    )
