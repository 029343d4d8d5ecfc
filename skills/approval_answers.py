"""Human responses in the agent-inbox shape, and how they map onto the gateway's verdicts.

    accept   -> approve
    edit     -> edit    (args: {"action": ..., "args": {...}}, agent-inbox's ActionRequest)
    response -> reject  (args: the approver's text, kept as the reason)
    ignore   -> reject
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.errors import RoleNotAllowed
from tools.gateway import Gateway
from tools.models import (
    ActionRequest,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalResponse,
    ApprovalVerdict,
    Caller,
)


class HumanResponse(BaseModel):
    """agent-inbox's ``HumanResponse``: what a resume carries."""

    model_config = ConfigDict(frozen=True)

    type: ApprovalResponse = Field(description="accept, edit, response or ignore.")
    args: ActionRequest | str | None = Field(
        default=None, description="An ActionRequest for 'edit'; the approver's text for 'response'.")


class MappedVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: ApprovalVerdict
    edited_action: str | None = None
    edited_args: dict[str, Any] | None = None
    reason: str | None = None


def map_response(response: HumanResponse) -> MappedVerdict:
    if response.type == "accept":
        return MappedVerdict(verdict="approve")
    if response.type == "edit":
        if not isinstance(response.args, ActionRequest):
            # An edit without arguments cannot be approved as something else: treat as no decision.
            raise ValueError("an 'edit' response needs an ActionRequest with the edited arguments")
        return MappedVerdict(verdict="edit", edited_action=response.args.action, edited_args=response.args.args)
    reason = response.args if isinstance(response.args, str) and response.args.strip() else None
    return MappedVerdict(verdict="reject", reason=reason or ("ignored" if response.type == "ignore" else None))


def response_for(decision: Literal["approve", "reject", "edit"], *, action: str,
                 args: dict[str, Any] | None = None, reason: str | None = None) -> HumanResponse:
    """The agent-inbox response a CLI or API decision stands for."""
    if decision == "approve":
        return HumanResponse(type="accept")
    if decision == "edit":
        return HumanResponse(type="edit", args=ActionRequest(action=action, args=args or {}))
    return HumanResponse(type="response", args=reason) if reason else HumanResponse(type="ignore")


@dataclass(frozen=True)
class HumanAnswer:
    """A resume's answer, decided through the gateway: who answered, what they meant, what the gateway made of it."""

    caller: Caller
    mapped: MappedVerdict
    decision: ApprovalDecision


def answer_approval(gateway: Gateway, approval: ApprovalRequest, caller: Caller | None, tenant: str,
                    raw: Any) -> HumanAnswer | None:
    """Decide ``approval`` with what a graph's ``interrupt`` returned; None when there is nothing to act on yet.

    Nothing to act on (the node waits again): no authenticated caller or another tenant's, a
    response that is not agent-inbox's shape (or an edit without arguments), a role that may not
    decide this approval (it stays pending for one that may). An approval decided already raises
    the gateway's ``ApprovalError``: the node decides whether a decided-but-unfinished job is its to
    finish."""
    if caller is None or caller.tenant != tenant:
        return None
    try:
        mapped = map_response(HumanResponse.model_validate(raw))
    except (ValidationError, ValueError):
        return None
    try:
        decision = gateway.resolve(approval.approval_id, caller, mapped.verdict, edited_args=mapped.edited_args,
                                   edited_action=mapped.edited_action, reason=mapped.reason)
    except RoleNotAllowed:
        return None
    return HumanAnswer(caller=caller, mapped=mapped, decision=decision)

