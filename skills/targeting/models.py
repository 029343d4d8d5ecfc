"""Typed records of the Targeting OS: leads, import reports, merges, verdicts and ranked targets.

Every model is frozen: a lead as imported, a merge, a contactability verdict are facts that a
later step reads, never edits. Original text is always kept beside its match key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldName = Literal[
    "company_name", "contact_name", "phone", "email", "city", "title", "source", "notes",
    "website", "cr_number", "employees", "sector", "consent",
]
SourceVerdict = Literal["safe", "needs_review", "blocked"]
ContactStatus = Literal["safe", "needs_review", "blocked", "unknown"]
ContactChannel = Literal["email", "whatsapp", "phone"]
RecommendedChannel = Literal["email", "whatsapp", "phone", "partner_intro", "event"]
PhoneKind = Literal["mobile", "landline", "toll_free", "unified", "unknown"]
ConsentMark = Literal["opt_out", "whatsapp_opt_in", "none"]
CommitteeRole = Literal["decision_maker", "economic_buyer", "technical_reviewer", "influencer", "user", "blocker"]
SignalKind = Literal["hiring", "funding", "new_branch", "tender", "expansion", "new_product", "seasonal_budget",
                     "demo_request", "proposal_request", "partner_search"]
ConsentMeaning = Literal["opt_in", "opt_out", "refused", "unclear"]
ConsentScope = Literal["whatsapp", "email", "all"]
EvidenceStrength = Literal["strong", "weak", "none"]
NoteFlag = Literal["notes_opt_out", "notes_instruction"]
IssueCode = Literal[
    "missing_company", "no_contact_point", "row_shape", "not_an_object", "invalid_phone", "invalid_email",
    "unknown_city", "invalid_cr", "invalid_employees", "duplicate_in_file", "consent_unclear",
    "merged_in_file",
]
MergeRule = Literal["same_identity", "same_email", "same_mobile", "domain_and_name", "company_city_and_name"]
RiskLevel = Literal["low", "medium", "high"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Phone(_Frozen):
    raw: str = Field(description="As written in the file.")
    e164: str = Field(description="E.164, e.g. +966550001234.")
    kind: PhoneKind


class SourceDecision(_Frozen):
    source_id: str = Field(description="Canonical source id, 'unknown' or 'missing'.")
    raw: str | None
    verdict: SourceVerdict
    relationship: int = Field(ge=0, le=100)
    reason_ar: str
    reason_en: str


class ConsentEvidence(_Frozen):
    """What a consent column of an import said about one row, with where it was read."""

    column: str = Field(description="The header as read.")
    value: str = Field(description="The cell as read (at most 80 characters).")
    meaning: ConsentMeaning
    scope: ConsentScope = Field(description="The channel the column speaks of; 'all' for a general consent.")
    file_name: str
    row_number: int = Field(ge=1)
    import_id: str
    source_id: str = Field(description="The lead's source: it decides how much the column proves.")
    strength: EvidenceStrength = Field(description="strong: a source that records consent itself (inbound form, "
                                                   "event with consent); weak: a purchased list or an unknown "
                                                   "source; none: a scraped source.")


@dataclass(frozen=True, slots=True)
class CompanyMember:
    """What company grouping reads of a lead, read from the store without building the whole lead."""

    lead_id: str
    company_key: str
    email_domain: str | None
    phone_e164: str | None


class Lead(_Frozen):
    """One imported row, normalised. ``*_key`` fields are for matching only, never for display."""

    lead_id: str = Field(description="Stable id: a digest of tenant and normalised identity.")
    tenant: str
    import_id: str
    row_number: int = Field(ge=1, description="Row in the source file (the header is row 1 in CSV/XLSX).")
    company_name: str
    company_key: str
    contact_name: str | None = None
    contact_key: str | None = None
    contact_skeleton: str | None = Field(default=None, description="Script-independent name skeleton.")
    title: str | None = None
    phone: Phone | None = None
    email: str | None = None
    email_domain: str | None = None
    city_raw: str | None = None
    city_id: str | None = None
    source: SourceDecision
    notes: str | None = None
    website: str | None = None
    cr_number: str | None = None
    employees: int | None = None
    sector_raw: str | None = None
    consent_mark: ConsentMark = "none"
    consent_evidence: ConsentEvidence | None = Field(default=None, description="The consent column, if any.")
    extras: dict[str, str] = Field(default_factory=dict, description="Columns no field maps to, kept as read.")

    @property
    def phone_e164(self) -> str | None:
        return self.phone.e164 if self.phone is not None else None


class ImportIssue(_Frozen):
    row_number: int
    field: FieldName | Literal["row"]
    code: IssueCode
    severity: Literal["error", "warning"] = Field(description="error: row rejected; warning: row kept.")
    reason_ar: str
    reason_en: str


class MergeRecord(_Frozen):
    merge_id: str
    kept_id: str
    merged_id: str
    rule: MergeRule
    score: float = Field(ge=0, le=100)
    evidence_ar: str
    evidence_en: str
    created_at: datetime
    undone_at: datetime | None = None


class ImportReport(_Frozen):
    import_id: str
    file_name: str
    file_format: Literal["csv", "xlsx", "json"]
    encoding: str | None
    rows_read: int
    imported: int = Field(description="New leads stored by this import.")
    already_present: int = Field(description="Valid rows whose lead was already stored (re-import).")
    duplicates_in_file: int
    rejected: int
    blank_rows: int
    issues: list[ImportIssue]
    merges: list[MergeRecord] = Field(default_factory=list)
    contactability: dict[ContactStatus, int] = Field(default_factory=dict)
    header_map: dict[str, FieldName | None] = Field(description="Each header as read, and the field it maps to.")


class ChannelVerdict(_Frozen):
    channel: ContactChannel
    status: ContactStatus
    reason_ar: str
    reason_en: str
    not_before: datetime | None = Field(default=None, description="Set when timing defers contact.")


class Contactability(_Frozen):
    lead_id: str
    status: ContactStatus = Field(description="The best status over the channels.")
    reason_ar: str
    channels: list[ChannelVerdict]
    evidence: list[ConsentEvidence] = Field(
        default_factory=list, description="Consent columns of the lead and its merged duplicates, with provenance "
                                          "(file, row, column, source): what an approval card shows.")

    def channel(self, channel: ContactChannel) -> ChannelVerdict:
        return next(v for v in self.channels if v.channel == channel)


class Signal(_Frozen):
    kind: SignalKind
    name_ar: str
    weight: int
    keyword: str
    evidence: str = Field(description="The sentence the signal was found in, as written.")


class Enrichment(_Frozen):
    domain: str | None
    sector: str | None
    sector_ar: str | None
    size_band: str | None
    cr_valid: bool | None = Field(description="None when no CR number was given.")


class ChannelRecommendation(_Frozen):
    channel: RecommendedChannel | None
    reason_ar: str
    reason_en: str
    alternatives: list[RecommendedChannel] = Field(default_factory=list)


class ScoreBreakdown(_Frozen):
    fit: float
    why_now: float
    contactability: float
    relationship: float
    weights: dict[str, float]
    total: float
    reasons_ar: list[str] = Field(default_factory=list)


class Risk(_Frozen):
    level: RiskLevel
    reasons_ar: list[str]


class Target(_Frozen):
    """A lead ready to act on: identity, verdicts, signals, channel and its explained score."""

    lead_id: str
    company_name: str
    contact_name: str | None
    title: str | None
    role: CommitteeRole | None
    city_id: str | None
    company_id: str
    enrichment: Enrichment
    contactability: Contactability
    signals: list[Signal]
    channel: ChannelRecommendation
    score: ScoreBreakdown
    risk: Risk
    merged_ids: list[str] = Field(default_factory=list)
    flags: list[NoteFlag] = Field(default_factory=list, description="What the notes raised for a person to review.")
