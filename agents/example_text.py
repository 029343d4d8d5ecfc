"""The approved examples as the copywriter sees them, and how one is reused for a new lead.

Shared by the copywriter (which records which example a draft came from) and the offline model
(which writes from it), so both make the same choice.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from tools.memory.slots import fill


class ExampleText(BaseModel):
    """What the copywriter is shown of one example (in the brief's ``<approved_examples>`` block)."""

    model_config = ConfigDict(frozen=True)

    approval_id: str = Field(description="The approval that let this text leave.")
    subject: str | None = Field(default=None, description="Subject template; ⟦slot⟧ marks a lead fact.")
    body: str = Field(description="Body template; ⟦slot⟧ marks a lead fact.")
    edited: bool = Field(default=False, description="An approver edited it before approving.")


def reuse(examples: list[ExampleText], variables: Mapping[str, str]) -> tuple[ExampleText, str | None, str] | None:
    """The first example whose every slot this lead can fill: (example, subject, body); else None."""
    for example in examples:
        body = fill(example.body, variables)
        subject = fill(example.subject, variables) if example.subject is not None else None
        if body and (example.subject is None or subject):
            return example, subject, body
    return None
