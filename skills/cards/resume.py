"""How an approval decision taken on a card reaches the work waiting for it.

The approval inbox (:func:`graphs.inbox.decide_approval`, wired in by ``graphs.cards.InboxResumer``)
knows the two paths: resume the graph thread interrupted on the approval (its own nodes resolve it
with the gateway and run what was approved, once, through the side-effect ledger), or, when no
thread waits, resolve with the gateway and execute exactly the approved call with its token. A card
press goes the same way, so a decision means the same thing from the console, the API, the CLI and
WhatsApp.

The approver is always the authenticated caller handed in; live flags, quiet hours and consent are
checked again by the gateway at execution.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tools.models import ApprovalRequest, ApprovalVerdict, Caller


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
