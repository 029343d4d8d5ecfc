"""Request and response schemas of ``/api/v1/targeting``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.models import Contactability, ImportReport, MergeRecord, Target
from skills.targeting.ranking import Icp
from skills.targeting.selection import DailySelection
from skills.targeting.service import RankResult
from skills.targeting.views import LeadPage


class RankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int | None = Field(default=10, ge=1, le=1000, description="How many ranked targets to return.")
    icp: Icp | None = Field(default=None, description="Ideal customer profile; the policy default if omitted.")


class ImportResponse(BaseModel):
    report: ImportReport = Field(description="Imported, merged, rejected rows and contactability counts.")


class LeadsResponse(BaseModel):
    page: LeadPage = Field(description="One page of leads, best first, with total, offset and limit.")


class MergeResponse(BaseModel):
    merge: MergeRecord = Field(description="The merge, now undone (undone_at set).")


class RankResponse(BaseModel):
    result: RankResult = Field(description="Targets with score breakdown, channel, why-now and risk.")


class OpportunitiesDemoResponse(BaseModel):
    selection: DailySelection = Field(description="Daily selection over the bundled sample leads.")


class ContactabilityRow(BaseModel):
    company_name: str
    contact_name: str | None
    contactability: Contactability


class ContactabilityDemoResponse(BaseModel):
    counts: dict[str, int] = Field(description="Leads per status: safe, needs_review, blocked, unknown.")
    leads: list[ContactabilityRow]


__all__ = [
    "ContactabilityDemoResponse", "ContactabilityRow", "ImportResponse", "LeadsResponse", "MergeResponse",
    "OpportunitiesDemoResponse", "RankRequest", "RankResponse", "Target",
]
