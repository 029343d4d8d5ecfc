"""Running the autopilot: build a run's context, start a thread, list and answer its approvals.

The CLI and the API call these; each call works from a fresh process, because everything it needs
is in the gateway's database (approvals, ledger), the Targeting OS's database (leads) and the
checkpointer (threads). A leads file is imported through the Targeting OS first (any Saudi export:
UTF-8, Windows-1256, UTF-16, XLSX; a row-level report), then the graph picks from the lead base.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel, ConfigDict, Field

from agents.call_records import ModelCallRecorder, ModelCallStore
from agents.copywriter import SenderProfile
from agents.examples import build_copy_examples
from agents.models import build_copywriter
from agents.tracing import build_tracing
from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import new_thread_id, thread_config
from graphs.overlay import autopilot_overlay
from graphs.resume import Decision, ResumeResult, resume
from skills.approval import Outcome, request_of
from skills.nodes import AutopilotContext
from skills.targeting.factory import build_service
from skills.targeting.models import ImportReport
from skills.targeting.segments import segment_of
from skills.targeting.service import TargetingService
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.policy import TenantOverlay
from tools.settings import Settings

DecideResult = ResumeResult


def build_context(settings: Settings, tenant: str, *, gateway: Gateway, caller: Caller | None = None,
                  targeting: TargetingService | None = None, tenant_overlay: TenantOverlay | None = None,
                  sender: SenderProfile | None = None, span_exporter: Any = None) -> AutopilotContext:
    """Everything one run needs, from settings. The autopilot's review-first overlay is always applied."""
    overlay = autopilot_overlay(tenant, tenant_overlay)
    gateway = gateway.with_overlay(overlay)  # this run's view of the shell's gateway; the shared one is untouched
    masker = gateway.masker
    tracing = build_tracing(settings, masker, span_exporter=span_exporter)
    copywriter = build_copywriter(settings, masker, tracing=tracing, sender=sender,
                                  examples=build_copy_examples(settings, tenant, masker, segment_of=segment_of),
                                  recorder=ModelCallRecorder(ModelCallStore(gateway.store), tenant))
    if targeting is None:
        targeting = build_service(settings, tenant=tenant, clock=gateway.now)
    return AutopilotContext(tenant=tenant, gateway=gateway, targeting=targeting, copywriter=copywriter, caller=caller,
                            tracing=tracing)


class StartResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    leads_read: int = Field(description="Data rows read from the file (0 when no file was imported).")
    imported: ImportReport | None = Field(default=None, description="The Targeting OS's import report.")
    targets: int
    drafts: int
    pending: list[ApprovalRequest]
    outcomes: list[Outcome] = Field(description="Targets already settled (blocked, needs review, ...).")


def start_autopilot(ctx: AutopilotContext, checkpointer: BaseCheckpointSaver[Any], leads_path: Path | None = None,
                    top_n: int = 10, *, thread_id: str | None = None,
                    lead_ids: list[str] | None = None) -> StartResult:
    """Import ``leads_path`` (if given) into the Targeting OS, then run the autopilot on today's picks
    (or on the named ``lead_ids`` only)."""
    report = ctx.targeting.import_file(Path(leads_path)) if leads_path is not None else None
    graph = build_autopilot_graph(checkpointer)
    thread_id = thread_id or new_thread_id(ctx.tenant, "autopilot")
    config = thread_config(thread_id, tenant=ctx.tenant)
    result = graph.invoke({"top_n": top_n, "lead_ids": lead_ids}, config, context=ctx)
    ctx.tracing.flush()
    values = graph.get_state(config).values
    rank = {t.lead_id: t.rank for t in values.get("targets") or []}
    pending = [request_of(i.value) for i in result.get("__interrupt__", [])]
    pending.sort(key=lambda a: (rank.get(a.contact_id or "", 0), a.tool_call_id))
    settled = [o for o in (result.get("outcomes") or {}).values() if o.status != "awaiting_approval"]
    return StartResult(thread_id=thread_id, leads_read=report.rows_read if report else 0, imported=report,
                       targets=len(values.get("targets") or []), drafts=_draft_count(graph, config, result),
                       pending=pending, outcomes=settled)


def _draft_count(graph: Any, config: Any, result: dict[str, Any]) -> int:
    drafts = dict(result.get("drafts") or {})
    for task in graph.get_state(config, subgraphs=True).tasks:
        if task.state is not None:
            drafts.update(task.state.values.get("drafts") or {})
    return len(drafts)


def list_pending(ctx: AutopilotContext) -> list[ApprovalRequest]:
    """Pending approvals of the tenant, across threads, straight from the gateway's database."""
    return sorted(ctx.gateway.pending_approvals(ctx.tenant), key=lambda a: (a.requested_at, a.approval_id))


def decide(ctx: AutopilotContext, checkpointer: BaseCheckpointSaver[Any], approval_id: str, decision: Decision, *,
           edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
           reason: str | None = None, lock_dir: Path | None = None) -> DecideResult:
    """Answer one approval of an autopilot thread (the one resume path of :mod:`graphs.resume`)."""
    result = resume(build_autopilot_graph(checkpointer), ctx, approval_id, decision, edited_args=edited_args,
                    edited_action=edited_action, reason=reason, lock_dir=lock_dir)
    ctx.tracing.flush()
    return result


def with_caller(ctx: AutopilotContext, caller: Caller) -> AutopilotContext:
    return replace(ctx, caller=caller)
