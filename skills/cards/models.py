"""The decision card: what every agent's work becomes for a person, on the console and on WhatsApp.

A :class:`Card` is short on purpose: a title, why it matters now, the recommended action, at most
three buttons, and the proof it will leave in the ledger. The model refuses a card that would
mislead or bypass the rules, so no factory (ours or another domain's) can publish one:

- more than three buttons, or two buttons with the same id or decision;
- a title, why-now or recommended action with no Arabic in it;
- no ``proof_impact``;
- an external action whose mode is not approval-first (approval_required, or blocked);
- an approve/edit/reject button without the approval it answers;
- a blocked card without its Arabic reason;
- ``approved_execute`` as a card's mode (only the gateway can mint that, with a valid approval).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.models import Mode, Role, RWUType

_ARABIC_LETTER = re.compile(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\uFB50-\uFDFB\uFE70-\uFEFC]")
BUTTON_TITLE_MAX = 20  # WhatsApp's reply-button limit; the console shows the same label
MAX_BUTTONS = 3
TITLE_MAX = 200
TEXT_MAX = 2000
# Verbs that reach outside Dealix whatever the flag says (the policy may know more; never less).
EXTERNAL_VERBS = frozenset({"send", "insert", "update", "export", "charge", "post", "publish_external", "auto_dm",
                            "scrape", "call", "dm"})


def has_arabic(text: str | None) -> bool:
    return bool(text) and _ARABIC_LETTER.search(text or "") is not None


def is_external_action(action: str | None) -> bool:
    """True when an action id's verb reaches the outside world (``whatsapp.send``, ``crm.update``)."""
    if not action:
        return False
    return action.rsplit(".", 1)[-1].lower() in EXTERNAL_VERBS


class CardType(StrEnum):
    daily_decision = "daily_decision"
    opportunity = "opportunity"
    partner = "partner"
    deal_followup = "deal_followup"
    negotiation = "negotiation"
    proof = "proof"
    risk = "risk"
    support = "support"
    approval = "approval"
    customer_success = "customer_success"


class CardStatus(StrEnum):
    open = "open"
    approved = "approved"
    edited = "edited"
    rejected = "rejected"
    accepted = "accepted"
    acknowledged = "acknowledged"
    dismissed = "dismissed"
    blocked = "blocked"
    expired = "expired"


RiskLevel = Literal["low", "medium", "high"]

ButtonDecision = Literal["approve", "edit", "reject", "accept", "acknowledge", "dismiss"]
"""approve/edit/reject answer a gateway approval; accept takes up a suggestion; acknowledge and
dismiss close an informational card."""

APPROVAL_DECISIONS: frozenset[str] = frozenset({"approve", "edit", "reject"})

SourceKind = Literal["approval", "gateway_event", "target", "domain"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CardButton(_Frozen):
    button_id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Stable id, e.g. 'approve'.")
    label_ar: str = Field(min_length=1, max_length=BUTTON_TITLE_MAX,
                          description="Arabic label, at most 20 characters (WhatsApp's reply-button limit).")
    decision: ButtonDecision = Field(description="The decision a press stands for.")

    @field_validator("label_ar")
    @classmethod
    def _arabic_label(cls, value: str) -> str:
        if not has_arabic(value):
            raise ValueError("a button label must be Arabic")
        return value


class CardSource(_Frozen):
    """Where a card came from: its dedupe identity, and whether its proof is already in the ledger."""

    kind: SourceKind
    ref: str = Field(min_length=1, description="Approval id, audit event id, lead id or the domain's own id.")
    proof_recorded: bool = Field(
        default=False, description="True when the event behind the card already recorded its revenue work unit.")


class CardFact(_Frozen):
    label_ar: str = Field(min_length=1)
    value: str


class CardContext(_Frozen):
    """The typed facts behind a card; every field is optional except where it came from."""

    source: CardSource
    approval_id: str | None = Field(default=None, description="The gateway approval the buttons answer.")
    thread_id: str | None = None
    skill: str | None = None
    action: str | None = Field(default=None, description="Canonical action id the card is about.")
    action_label_ar: str | None = None
    external: bool = Field(default=False, description="The action reaches outside Dealix (policy's view).")
    approver_roles: tuple[Role, ...] = Field(default=(), description="Who may approve; empty: anyone who sees it.")
    reason_code: str | None = None
    blocked_reason_ar: str | None = Field(default=None, description="Why it is blocked, in Arabic.")
    audit_event: str | None = Field(default=None, description="The audit event the card is about.")
    lead_id: str | None = None
    contact_id: str | None = None
    company_name: str | None = None
    preview_ar: str | None = Field(default=None, description="What would be sent or done, as the approver sees it.")
    value_sar: float | None = Field(default=None, ge=0, description="Estimated value in SAR, when known.")
    due_at: datetime | None = Field(default=None, description="When the decision stops being useful.")
    facts: tuple[CardFact, ...] = Field(default=(), max_length=8)

    @property
    def is_external(self) -> bool:
        return self.external or is_external_action(self.action)


class Card(_Frozen):
    """One decision card. Construct through :mod:`skills.cards.factory`; the checks here hold regardless."""

    card_id: str = Field(pattern=r"^card_[0-9a-f]{8,64}$")
    role: Role = Field(description="The role the card is addressed to.")
    type: CardType
    title_ar: str = Field(min_length=1, max_length=TITLE_MAX)
    why_now_ar: str = Field(min_length=1, max_length=TEXT_MAX)
    context: CardContext
    recommended_action_ar: str = Field(min_length=1, max_length=TEXT_MAX)
    risk_level: RiskLevel
    buttons: tuple[CardButton, ...] = Field(min_length=1, max_length=MAX_BUTTONS)
    action_mode: Mode
    proof_impact: RWUType = Field(description="The revenue work unit this card's decision proves.")
    status: CardStatus = CardStatus.open
    urgency: int = Field(default=50, ge=0, le=100, description="How soon it matters (feed order).")
    impact: int = Field(default=50, ge=0, le=100, description="How much it matters (feed order).")
    dedupe_key: str = Field(min_length=1, max_length=300, description="Two cards with one key are one card.")
    created_at: datetime

    @field_validator("title_ar", "why_now_ar", "recommended_action_ar")
    @classmethod
    def _arabic_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if not has_arabic(value):
            raise ValueError("must be written in Arabic")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Card:
        ids = [b.button_id for b in self.buttons]
        decisions = [b.decision for b in self.buttons]
        if len(set(ids)) != len(ids) or len(set(decisions)) != len(decisions):
            raise ValueError("button ids and decisions must be unique on a card")
        if self.action_mode == Mode.approved_execute:
            raise ValueError("a card never carries approved_execute; only the gateway grants it with an approval")
        ctx = self.context
        if ctx.is_external and self.action_mode != Mode.blocked and (
                self.action_mode != Mode.approval_required or ctx.approval_id is None):
            raise ValueError("an external action must be approval-first (approval_required, with its approval)"
                             " or blocked")
        asks_approval = any(d in APPROVAL_DECISIONS for d in decisions)
        if asks_approval and (ctx.approval_id is None or self.action_mode != Mode.approval_required):
            raise ValueError("approve/edit/reject buttons need a pending approval (approval_id, approval_required)")
        if self.type == CardType.approval and not asks_approval:
            raise ValueError("an approval card needs approval buttons")
        blocked = self.action_mode == Mode.blocked or self.status == CardStatus.blocked
        if blocked and not has_arabic(ctx.blocked_reason_ar):
            raise ValueError("a blocked card must carry its reason in Arabic (context.blocked_reason_ar)")
        if blocked and asks_approval:
            raise ValueError("a blocked action cannot be approved from a card")
        return self

    def button(self, button_id: str) -> CardButton | None:
        return next((b for b in self.buttons if b.button_id == button_id), None)

    def button_for(self, decision: str) -> CardButton | None:
        return next((b for b in self.buttons if b.decision == decision), None)

    @property
    def is_open(self) -> bool:
        return self.status == CardStatus.open


__all__ = [
    "APPROVAL_DECISIONS", "BUTTON_TITLE_MAX", "MAX_BUTTONS", "TEXT_MAX", "TITLE_MAX", "ButtonDecision", "Card",
    "CardButton", "CardContext",
    "CardFact", "CardSource", "CardStatus", "CardType", "RiskLevel", "SourceKind", "has_arabic",
    "is_external_action",
]
