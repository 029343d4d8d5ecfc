"""How an approval decision taken on a card reaches the work waiting for it.

The approval inbox (:func:`graphs.inbox.decide_approval`) already knows the two paths: resume the
graph thread interrupted on the approval (its own nodes resolve it with the gateway and run what was
approved, once, through the side-effect ledger), or, when no thread waits, resolve with the gateway
and execute exactly the approved call with its token. A card press goes the same way, so a decision
means the same thing from the console, the API, the CLI and WhatsApp.

The approver is always the authenticated caller handed in; live flags, quiet hours and consent are
checked again by the gateway at execution.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tools.gateway import Gateway
from tools.models import ApprovalRequest, ApprovalVerdict, Caller
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


class ResumeOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_ar: str
    execution_status: str | None = Field(default=None, description="executed, already_executed, not_executed,"
                                                                    " rejected, blocked, awaiting_approval...")
    ledger_id: str | None = Field(default=None, description="Side-effect ledger id of what was written, if any.")
    pending: list[str] = Field(default_factory=list,
                               description="Approvals still waiting after this one: the thread's others, or an "
                                           "edit's follow-up for another role.")


class ApprovalResumer(Protocol):
    def __call__(self, approval: ApprovalRequest, caller: Caller, verdict: ApprovalVerdict, *,
                 edited_args: dict[str, Any] | None, reason: str | None) -> ResumeOutcome: ...


class InboxResumer:
    """Answer through the approval inbox: the waiting thread resumes, or the gateway resolves and executes."""

    def __init__(self, settings: Settings, gateway: Gateway, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock

    def __call__(self, approval: ApprovalRequest, caller: Caller, verdict: ApprovalVerdict, *,
                 edited_args: dict[str, Any] | None, reason: str | None) -> ResumeOutcome:
        from graphs.checkpoint import open_checkpointer
        from graphs.inbox import decide_approval

        with open_checkpointer(self.settings) as checkpointer:
            result = decide_approval(settings=self.settings, gateway=self.gateway, checkpointer=checkpointer,
                                     caller=caller, approval_id=approval.approval_id, verdict=verdict,
                                     edited_args=edited_args, reason=reason, clock=self.clock)
        return ResumeOutcome(message_ar=result.message_ar, execution_status=result.outcome,
                             ledger_id=result.draft_id, pending=[a.approval_id for a in result.follow_up])
