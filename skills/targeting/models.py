"""Typed records of the Targeting OS: leads, import reports, merges, verdicts and ranked targets.

Every model is frozen: a lead as imported, a merge, a contactability verdict are facts that a
later step reads, never edits. Original text is always kept beside its match key.
"""

from __future__ import annotations

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
SignalKind = Literal["hiring", "funding", "new_branch", "tender", "expansion", "new_product", "seasonal_budget"]
IssueCode = Literal[
    "missing_company", "no_contact_point", "row_shape", "not_an_object", "invalid_phone", "invalid_email",
    "unknown_city", "invalid_cr", "invalid_employees", "duplicate_in_file", "formula_in_cell",
]
MergeRule = Literal["same_email", "same_mobile", "domain_and_name", "company_city_and_name"]
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
    extras: dict[str, str] = Field(default_factory=dict, description="Columns no field maps to, kept as read.")


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
