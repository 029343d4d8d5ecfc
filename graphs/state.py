"""Typed state of the autopilot graphs. Every accumulating key names its reducer.

    AutopilotState (the thread)                  OutreachState (one per target, a subgraph)
      leads_path, top_n ......... input            target, other_names, other_contacts ... from Send
      leads_read, targets ....... targeting        draft, call, approval, token ............ local
      drafts   {lead_id: Draft}   merge  ◀──────── drafts   (shared key, same reducer)
      outcomes {lead_id: Outcome} merge  ◀──────── outcomes (shared key, same reducer)
      proof ..................... proof pack

Keyed dicts (not lists) make every write idempotent: a node that re-runs after a crash, or a
replay from an earlier checkpoint, overwrites its own entry instead of adding a second one.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from agents.copywriter import Draft
from agents.guard import GuardProblem, GuardReport
from prompts.loader import PromptRef
from skills.negotiation.models import NEGOTIATION_STATE_TYPES
from skills.simple_targeting import OutreachTarget
from tools.models import ActionRequest, ApprovalRequest, HumanInterruptConfig, Role, ToolCall

OutcomeStatus = Literal[
    "awaiting_approval",  # an approval is pending for this target
    "executed",           # the approved draft was placed in the outbox / mailbox
    "already_executed",   # a repeat found the side effect already done: nothing ran twice
    "rejected",           # the approver rejected (or ignored) it
    "blocked",            # policy refused it (also after an edit)
    "needs_review",       # the copy failed the output guard after retries; nothing is proposed
    "not_executed",       # execution was refused at the last check (live flag, token, ...)
    "already_decided",    # the approval was decided elsewhere; this thread did nothing more
]


class Outcome(BaseModel):
    """Where one target ended up, with the Arabic reason an operator reads."""

    model_config = ConfigDict(frozen=True)

    lead_id: str
    company_name: str
    status: OutcomeStatus
    action: str | None = Field(default=None, description="The action proposed or run, e.g. 'gmail.draft'.")
    approval_id: str | None = None
    reason_ar: str = Field(default="", description="Why, in Arabic.")
    reason_code: str | None = None
    ledger_id: str | None = Field(default=None, description="Side-effect ledger id when something ran.")
    outbox_path: str | None = None
    decided_by: str | None = None


class ProofSummary(BaseModel):
    """The thread's closing summary: counts by outcome, recorded as a proof pack decision."""

    model_config = ConfigDict(frozen=True)

    counts: dict[str, int] = Field(description="Outcome status -> number of targets.")
    audit_event: str | None = Field(default=None, description="Audit event of the proof pack decision.")


T = TypeVar("T")


def merge_by_key(left: dict[str, T] | None, right: dict[str, T] | None) -> dict[str, T]:
    """Reducer: later writes for the same key replace earlier ones; other keys are kept."""
    return {**(left or {}), **(right or {})}


class AutopilotInput(TypedDict):
    leads_path: str
    top_n: int


class AutopilotState(TypedDict, total=False):
    leads_path: str
    top_n: int
    leads_read: int
    targets: list[OutreachTarget]
    drafts: Annotated[dict[str, Draft], merge_by_key]
    outcomes: Annotated[dict[str, Outcome], merge_by_key]
    proof: ProofSummary | None


class OutreachState(TypedDict, total=False):
    target: OutreachTarget
    other_names: list[str]
    other_contacts: list[str]
    draft: Draft | None
    call: ToolCall | None
    approval: ApprovalRequest | None
    token: str | None
    drafts: Annotated[dict[str, Draft], merge_by_key]
    outcomes: Annotated[dict[str, Outcome], merge_by_key]


# Every model that may sit in a checkpoint: the checkpointer's msgpack allowlist.
STATE_TYPES: tuple[type, ...] = (
    OutreachTarget, Draft, PromptRef, GuardReport, GuardProblem, Outcome, ProofSummary, ToolCall, ApprovalRequest,
    ActionRequest, HumanInterruptConfig, Role,
    *NEGOTIATION_STATE_TYPES,
)
