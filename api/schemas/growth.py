"""Request and response schemas of ``/api/v1/growth``. Tenant and role always come from the API key."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.growth import DailyPlanView
from graphs.state import Outcome
from skills.growth.models import (
    Assignment,
    Experiment,
    ExperimentAnalysis,
    ExperimentCreate,
    OutcomeRecord,
    ResultRecord,
    WeeklyReport,
)


class DailyPlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DailyPlanResponse(BaseModel):
    plan: DailyPlanView = Field(description="The plan: pool, top picks, cards, pending approvals, follow-ups.")


class PlanDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "edit"]
    args: dict[str, Any] | None = Field(default=None, description="Edit: the arguments to change.")
    action: str | None = Field(default=None, max_length=80, description="Edit: a different action id.")
    reason: str | None = Field(default=None, max_length=500, description="Why (kept in the audit log).")


class PlanDecisionResponse(BaseModel):
    approval_id: str
    message_ar: str
    outcome: Outcome | None
    plan: DailyPlanView


class WeeklyReportResponse(BaseModel):
    report: WeeklyReport
    markdown: str = Field(description="The same report as Markdown, Arabic first.")


class OutcomesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[OutcomeRecord] = Field(min_length=1, max_length=1000,
                                         description="Replies, meetings, objections, ... by lead id (no free text).")


class OutcomesResponse(BaseModel):
    received: int
    added: int = Field(description="Records not seen before (a repeated record is stored once).")


class ExperimentCreateRequest(ExperimentCreate):
    pass


class ExperimentList(BaseModel):
    experiments: list[Experiment]


class ResultsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[ResultRecord] = Field(min_length=1, max_length=5000)


class AssignmentResponse(BaseModel):
    assignment: Assignment


class AnalysisResponse(BaseModel):
    analysis: ExperimentAnalysis


__all__ = [
    "AnalysisResponse", "AssignmentResponse", "DailyPlanRequest", "DailyPlanResponse", "ExperimentCreateRequest",
    "ExperimentList", "OutcomesRequest", "OutcomesResponse", "PlanDecisionRequest", "PlanDecisionResponse",
    "ResultsRequest", "WeeklyReportResponse",
]
