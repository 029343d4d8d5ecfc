"""Human responses in the agent-inbox shape, and how they map onto the gateway's verdicts.

    accept   -> approve
    edit     -> edit    (args: {"action": ..., "args": {...}}, agent-inbox's ActionRequest)
    response -> reject  (args: the approver's text, kept as the reason)
    ignore   -> reject
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.models import ActionRequest, ApprovalResponse, ApprovalVerdict


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
