"""``/api/v1/growth``: the daily plan, the weekly learning report, outcomes and experiments.

Every route is scoped to the caller's tenant (``CallerDep``); nothing reads a tenant or a role
from the body. The daily plan's drafts wait for a person: ``POST .../daily-plan/approvals/{id}``
answers one, as the authenticated caller, and the plan's own graph runs what was approved, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, Response
from langgraph.checkpoint.base import BaseCheckpointSaver

from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.schemas.growth import (
    AnalysisResponse,
    AssignmentResponse,
    DailyPlanRequest,
    DailyPlanResponse,
    ExperimentCreateRequest,
    ExperimentList,
    OutcomesRequest,
    OutcomesResponse,
    PlanDecisionRequest,
    PlanDecisionResponse,
    ResultsRequest,
    WeeklyReportResponse,
)
from api.services import Services
from graphs.growth import DailyPlanContext, build_plan_context, decide_in_plan, plan_view, start_daily_plan
from skills.growth.catalog import load_growth_catalog
from skills.growth.errors import ExperimentRoleNotAllowed, GrowthError
from skills.growth.render import render_html, render_markdown
from skills.growth.repository import GrowthRepository
from skills.growth.service import GrowthService, growth_db_path
from skills.targeting.factory import build_service
from tools.errors import ApprovalError, GatewayError, NotFound, RoleNotAllowed
from tools.models import Caller

router = APIRouter(prefix="/api/v1/growth", tags=["growth"])
ExperimentId = Annotated[str, Path(max_length=48, pattern=r"^[a-z][a-z0-9_]*$")]


def _status(error: GatewayError) -> int:
    if isinstance(error, GrowthError):
        return error.status
    for cls, status in ((NotFound, 404), (RoleNotAllowed, 403), (ApprovalError, 409)):
        if isinstance(error, cls):
            return status
    return 400


@contextmanager
def _problems() -> Iterator[None]:
    """Domain errors to HTTP, in one place: a stable code and the Arabic message."""
    try:
        yield
    except GatewayError as error:
        raise HTTPException(status_code=_status(error), detail={
            "code": error.code, "message_ar": error.message_ar, "message_en": error.message_en}) from error


@contextmanager
def _growth(services: Services, caller: Caller) -> Iterator[GrowthService]:
    repository = GrowthRepository(growth_db_path(services.settings))
    try:
        with _problems():
            yield GrowthService(repository, services.gateway, tenant=caller.tenant, clock=services.clock)
    finally:
        repository.close()


@contextmanager
def _plan(services: Services, caller: Caller) -> Iterator[tuple[DailyPlanContext, BaseCheckpointSaver[Any]]]:
    settings, clock = services.settings, services.clock
    repository = GrowthRepository(growth_db_path(settings))
    targeting = build_service(settings, tenant=caller.tenant, clock=clock)
    try:
        with _problems(), services.checkpointer() as checkpointer:
            yield build_plan_context(settings, caller.tenant, targeting=targeting, growth=repository, caller=caller,
                                     gateway=services.gateway, clock=clock), checkpointer
    finally:
        repository.close()
        targeting.repository.close()


def _may_manage(caller: Caller) -> None:
    if caller.role not in load_growth_catalog().policy.experiments.manage_roles:
        with _problems():
            raise ExperimentRoleNotAllowed()


# ------------------------------------------------------------------------------------- daily plan
@router.post("/daily-plan", response_model=DailyPlanResponse, status_code=201, responses=problem_responses(429))
def create_daily_plan(services: ServicesDep, caller: CallerDep,
                      _: DailyPlanRequest | None = None) -> DailyPlanResponse:
    """Start today's plan over the tenant's leads: picks, cards, drafts waiting for approval."""
    with _plan(services, caller) as (ctx, checkpointer):
        return DailyPlanResponse(plan=start_daily_plan(ctx, checkpointer))


@router.get("/daily-plan", response_model=DailyPlanResponse, responses=problem_responses(404, 429))
def get_daily_plan(services: ServicesDep, caller: CallerDep,
                   thread_id: Annotated[str | None, Query(max_length=120)] = None) -> DailyPlanResponse:
    """The latest plan of the tenant (or the one named), as it stands now."""
    with _plan(services, caller) as (ctx, checkpointer):
        return DailyPlanResponse(plan=plan_view(ctx, checkpointer, thread_id))


@router.post("/daily-plan/approvals/{approval_id}", response_model=PlanDecisionResponse,
             responses=problem_responses(403, 404, 409, 429))
def decide_daily_plan(services: ServicesDep, caller: CallerDep,
                      approval_id: Annotated[str, Path(max_length=100)],
                      request: PlanDecisionRequest) -> PlanDecisionResponse:
    """Approve, edit or reject one of the plan's drafts as the authenticated caller."""
    with _plan(services, caller) as (ctx, checkpointer):
        result = decide_in_plan(ctx, checkpointer, approval_id, request.decision, edited_args=request.args,
                                edited_action=request.action, reason=request.reason)
    return PlanDecisionResponse(**result.model_dump())


# ------------------------------------------------------------------------------------- weekly report
@router.get("/weekly-report", response_model=WeeklyReportResponse,
            responses={200: {"content": {"text/markdown": {}, "text/html": {}}}, **problem_responses(429)})
def weekly_report(
    services: ServicesDep, caller: CallerDep,
    week_of: Annotated[date | None, Query(description="Any day of the week (default: this week).",
                                          ge=date(2000, 1, 1), le=date(2075, 12, 31))] = None,
    format: Annotated[Literal["json", "md", "html"], Query()] = "json",
) -> WeeklyReportResponse | Response:
    """The weekly learning report (Sunday to Saturday, Asia/Riyadh) as JSON, Markdown or an RTL HTML page."""
    with _growth(services, caller) as growth:
        report = growth.weekly_report(week_of)
    if format == "html":
        return HTMLResponse(render_html(report))
    if format == "md":
        return Response(render_markdown(report), media_type="text/markdown; charset=utf-8")
    return WeeklyReportResponse(report=report, markdown=render_markdown(report))


@router.post("/outcomes", response_model=OutcomesResponse, responses=problem_responses(429))
def record_outcomes(services: ServicesDep, caller: CallerDep,
                    request: OutcomesRequest) -> OutcomesResponse:
    """Record replies, meetings and objections (by lead id) for the learning loop."""
    with _growth(services, caller) as growth:
        added = growth.record_outcomes(request.records)
    return OutcomesResponse(received=len(request.records), added=added)


# ------------------------------------------------------------------------------------- experiments
@router.post("/experiments", response_model=AnalysisResponse, status_code=201,
             responses=problem_responses(403, 409, 429))
def create_experiment(services: ServicesDep, caller: CallerDep,
                      request: ExperimentCreateRequest) -> AnalysisResponse:
    _may_manage(caller)
    with _growth(services, caller) as growth:
        experiment = growth.experiments.create(request)
        return AnalysisResponse(analysis=growth.experiments.analyse(experiment.experiment_id))


@router.get("/experiments", response_model=ExperimentList, responses=problem_responses(429))
def list_experiments(services: ServicesDep, caller: CallerDep) -> ExperimentList:
    with _growth(services, caller) as growth:
        return ExperimentList(experiments=growth.experiments.experiments())


@router.get("/experiments/{experiment_id}", response_model=AnalysisResponse, responses=problem_responses(404, 429))
def get_experiment(services: ServicesDep, caller: CallerDep, experiment_id: ExperimentId) -> AnalysisResponse:
    """Counts per variant, each challenger against the control (p-value, effect, 95% CI) and the verdict."""
    with _growth(services, caller) as growth:
        return AnalysisResponse(analysis=growth.experiments.analyse(experiment_id))


@router.get("/experiments/{experiment_id}/assignments/{contact_id}", response_model=AssignmentResponse,
            responses=problem_responses(404, 429))
def get_assignment(services: ServicesDep, caller: CallerDep, experiment_id: ExperimentId,
                   contact_id: Annotated[str, Path(max_length=80)]) -> AssignmentResponse:
    """The contact's variant: stable for the experiment, whoever asks and however often."""
    with _growth(services, caller) as growth:
        return AssignmentResponse(assignment=growth.experiments.assign(experiment_id, contact_id))


@router.post("/experiments/{experiment_id}/results", response_model=AnalysisResponse,
             responses=problem_responses(404, 409, 429))
def record_results(services: ServicesDep, caller: CallerDep, experiment_id: ExperimentId,
                   request: ResultsRequest) -> AnalysisResponse:
    with _growth(services, caller) as growth:
        return AnalysisResponse(analysis=growth.experiments.record(experiment_id, request.results))


@router.post("/experiments/{experiment_id}/conclude", response_model=AnalysisResponse,
             responses=problem_responses(403, 404, 409, 429))
def conclude_experiment(services: ServicesDep, caller: CallerDep,
                        experiment_id: ExperimentId) -> AnalysisResponse:
    _may_manage(caller)
    with _growth(services, caller) as growth:
        return AnalysisResponse(analysis=growth.experiments.conclude(experiment_id))


def install(app: FastAPI) -> None:
    app.include_router(router)
