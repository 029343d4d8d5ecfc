"""Typed state of the autopilot graphs, and every model that may sit in a checkpoint.

    AutopilotState (the thread)                  OutreachState (one per target, a subgraph)
      top_n ..................... input            target, other_names, other_contacts ... from Send
      ranked, targets ........... targeting        draft, call, approval, token, outcome .. local
      drafts   {lead_id: Draft}   merge  ◀──────── drafts   (shared key, same reducer)
      outcomes {lead_id: Outcome} merge  ◀──────── outcomes (shared key, same reducer)
      proof ..................... proof pack

The state types live with their nodes (:mod:`skills.nodes`, :mod:`skills.approval`); this module
names them for the graphs and lists what the checkpointer may revive.
"""

from __future__ import annotations

from agents.copywriter import Draft
from agents.guard import GuardProblem, GuardReport
from prompts.loader import PromptRef
from skills.approval import Outcome, OutcomeStatus
from skills.negotiation.models import NEGOTIATION_STATE_TYPES
from skills.nodes import (
    AUTOPILOT_STATE_TYPES,
    AutopilotInput,
    AutopilotState,
    OutreachState,
    ProofSummary,
    merge_by_key,
)
from skills.targeting.outreach import OutreachTarget
from tools.models import ActionRequest, ApprovalRequest, HumanInterruptConfig, Role, ToolCall

# Every model that may sit in a checkpoint: the checkpointer's msgpack allowlist.
STATE_TYPES: tuple[type, ...] = (
    *AUTOPILOT_STATE_TYPES, Draft, PromptRef, GuardReport, GuardProblem, Outcome, ToolCall, ApprovalRequest,
    ActionRequest, HumanInterruptConfig, Role,
    *NEGOTIATION_STATE_TYPES,
)

__all__ = ["STATE_TYPES", "AutopilotInput", "AutopilotState", "Outcome", "OutcomeStatus", "OutreachState",
           "OutreachTarget", "ProofSummary", "merge_by_key"]
