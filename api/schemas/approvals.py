"""Schemas of ``/api/v1/approvals``: the inbox and a decision (approve, edit, reject with a reason)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from api.schemas.rules import NOT_BLANK
from graphs.inbox import InboxDecision
from skills.operator.events import ApprovalView


class ApprovalList(BaseModel):
    approvals: list[ApprovalView]


# What the validator below enforces, in the document too: a client (or a fuzzer) reads the rules.
_DECISION_RULES: list[JsonValue] = [
    {"properties": {"decision": {"const": "approve"}, "args": {"type": "null"}}},
    {"required": ["args"],
     "properties": {"decision": {"const": "edit"}, "args": {"type": "object", "minProperties": 1}}},
    {"required": ["reason"], "properties": {"decision": {"const": "reject"}, "args": {"type": "null"},
                                            "reason": {"type": "string", "pattern": NOT_BLANK}}},
]


class ApprovalDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": _DECISION_RULES, "examples": [
        {"decision": "approve"},
        {"decision": "edit", "args": {"body": "السلام عليكم أستاذة سارة، ..."}, "reason": "صياغة أقصر"},
        {"decision": "reject", "reason": "العميل طلب التواصل بعد رمضان"}]})

    decision: Literal["approve", "edit", "reject"]
    args: dict[str, Any] | None = Field(default=None, description="Edit: the arguments to change (e.g. subject, body).")
    reason: str | None = Field(default=None, max_length=500,
                               description="Why; required to reject. Kept in the audit log.")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.decision == "edit" and not self.args:
            raise ValueError("an edit needs 'args' with the changed arguments")
        if self.decision == "reject" and not (self.reason or "").strip():
            raise ValueError("a rejection needs a 'reason'")
        if self.decision != "edit" and self.args is not None:
            raise ValueError("'args' is only for an edit")
        return self


__all__ = ["ApprovalDecisionRequest", "ApprovalList", "ApprovalView", "InboxDecision"]
