"""The decision handler: a button press on a card becomes a decision, recorded, exactly once.

    approve / edit / reject .. the card's gateway approval is answered as the authenticated caller:
                               the thread waiting on it resumes (or the gateway resolves it), and
                               the gateway records the decision and its ``approval_collected`` unit.
    accept ................... the suggestion is taken up: the card's ``proof_impact`` is recorded,
                               unless the event behind the card already recorded it.
    acknowledge / dismiss .... the card is closed.

Every decision writes a ``card_decided`` audit event in the same transaction that closes the card
(and writes its work unit). A press on a card that is already closed changes nothing and says so;
a role that may not see the card is refused (and the refusal is audited); a card of another tenant
does not exist.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skills.cards.errors import ButtonNotOnCard, EditNeedsArgs, role_may_not_decide
from skills.cards.factory import APPROVAL_CARD_STATUS
from skills.cards.feed import visible_to
from skills.cards.models import APPROVAL_DECISIONS, ButtonDecision, Card, CardButton, CardStatus
from skills.cards.resume import ApprovalResumer, ResumeOutcome
from skills.cards.service import CardService
from skills.cards.store import CardRecord, CardStore
from tools.errors import ApprovalError, RoleNotAllowed
from tools.models import ApprovalRequest, ApprovalVerdict, Caller, RWUType
from tools.rwu import record_rwu

DECIDE_ACTION = "card.decide"
_CLOSING_STATUS: dict[str, CardStatus] = {"accept": CardStatus.accepted, "acknowledge": CardStatus.acknowledged,
                                          "dismiss": CardStatus.dismissed}


class CardDecisionRequest(BaseModel):
    """A press: a button id, or the decision it stands for; an edit carries the edited arguments."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [  # the rule of _one_press, for clients
        {"required": ["button_id"], "properties": {"button_id": {"type": "string"}}},
        {"required": ["decision"], "properties": {"decision": {"type": "string"}}}]})

    button_id: str | None = Field(default=None, max_length=64, description="The pressed button's id.")
    decision: ButtonDecision | None = Field(default=None, description="Or the decision itself.")
    reason: str | None = Field(default=None, max_length=1000, description="Why (kept in the audit log).")
    edited_args: dict[str, Any] | None = Field(default=None, description="Edit: the arguments to change.")

    @model_validator(mode="after")
    def _one_press(self) -> CardDecisionRequest:
        if self.button_id is None and self.decision is None:
            raise ValueError("give a button_id or a decision")
        return self


class CardDecisionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    card_id: str
    decision: ButtonDecision
    button_id: str
    status: CardStatus = Field(description="The card's status after the press.")
    already_decided: bool = Field(description="True when the card had been decided before: nothing happened.")
    message_ar: str
    decided_by: str | None = None
    approval_id: str | None = None
    audit_event: str | None = Field(default=None, description="The card_decided audit event.")
    proof: RWUType | None = Field(default=None, description="The revenue work unit this decision recorded.")
    resume: ResumeOutcome | None = Field(default=None, description="What the resumed work did.")


class _Lost(Exception):
    """Another press closed the card first; the transaction is rolled back."""


class CardDecider:
    def __init__(self, service: CardService, resumer: ApprovalResumer) -> None:
        if service.store.db is not service.gateway.store:
            raise ValueError("cards must live in the gateway's store, so a decision and its evidence commit together")
        self.service = service
        self.resumer = resumer

    def decide(self, card_id: str, caller: Caller, request: CardDecisionRequest) -> CardDecisionResult:
        service = self.service
        if caller.tenant != service.tenant:
            raise ValueError("the card service of another tenant")  # wiring error, never a user's input
        record = service.store.record(caller.tenant, card_id)  # card_not_found across tenants
        card = record.card
        button = _button(card, request)
        if not visible_to(card, caller.role, service.texts):
            self._refuse(card, button, caller)
            raise role_may_not_decide(caller.role.value)
        if not card.is_open:
            return _already(record, button)
        if button.decision in APPROVAL_DECISIONS:
            return self._answer_approval(card, button, caller, request)
        return self._close(card, button, caller, request)

    # ------------------------------------------------------------------ approvals
    def _answer_approval(self, card: Card, button: CardButton, caller: Caller,
                         request: CardDecisionRequest) -> CardDecisionResult:
        gateway = self.service.gateway
        approval_id = card.context.approval_id
        assert approval_id is not None  # the model guarantees it for approval buttons
        approval = gateway.get_approval(approval_id, caller.tenant)
        if approval.status != "pending":
            return self._decided_elsewhere(card, button, caller, approval)
        if caller.role not in approval.approver_roles:
            self._refuse(card, button, caller)
            raise RoleNotAllowed(gateway.policy.message("role_not_allowed").reason_ar,
                                 f"Role {caller.role.value} may not approve {approval.action_request.action}.")
        if button.decision == "edit" and not request.edited_args:
            raise EditNeedsArgs()
        store = self.service.store
        if not store.claim(caller.tenant, card.card_id, now=self.service.clock()):
            record = store.record(caller.tenant, card.card_id)
            return _already(record, button, in_progress=record.card.is_open)
        try:
            return self._resume(card, button, caller, request)
        finally:
            store.release(caller.tenant, card.card_id)

    def _resume(self, card: Card, button: CardButton, caller: Caller,
                request: CardDecisionRequest) -> CardDecisionResult:
        gateway = self.service.gateway
        approval_id = card.context.approval_id
        assert approval_id is not None
        approval = gateway.get_approval(approval_id, caller.tenant)
        if approval.status != "pending":  # answered while this press waited for the card
            return self._decided_elsewhere(card, button, caller, approval)
        verdict: ApprovalVerdict = ("approve" if button.decision == "approve"
                                    else "edit" if button.decision == "edit" else "reject")
        try:
            outcome = self.resumer(approval, caller, verdict, edited_args=request.edited_args, reason=request.reason)
        except ApprovalError as exc:
            if exc.code != "already_decided":
                raise
            return self._decided_elsewhere(card, button, caller, gateway.get_approval(approval_id, caller.tenant))
        after = gateway.get_approval(approval_id, caller.tenant)
        if after.status == "pending":  # nobody with the right to decide answered: the card stays open
            return CardDecisionResult(card_id=card.card_id, decision=button.decision, button_id=button.button_id,
                                      status=CardStatus.open, already_decided=False, message_ar=outcome.message_ar,
                                      approval_id=approval_id, resume=outcome)
        status = APPROVAL_CARD_STATUS[after.status]
        # The gateway recorded approval_collected with the decision (approve, or an edit it re-requested).
        proof = RWUType.approval_collected if after.status in ("approved", "consumed", "superseded") else None
        closed = self._record_close(card, button, caller, status, reason=request.reason, proof=None,
                                    extra={"approval_status": after.status,
                                           "execution_status": outcome.execution_status})
        event_id = closed[0] if closed is not None else None
        return CardDecisionResult(card_id=card.card_id, decision=button.decision, button_id=button.button_id,
                                  status=status, already_decided=False,
                                  message_ar=outcome.message_ar, decided_by=caller.user_id, approval_id=approval_id,
                                  audit_event=event_id, proof=proof, resume=outcome)

    def _decided_elsewhere(self, card: Card, button: CardButton, caller: Caller,
                           approval: ApprovalRequest) -> CardDecisionResult:
        """The approval was answered elsewhere (CLI, another press): close the card, change nothing else."""
        store = self.service.store
        status = APPROVAL_CARD_STATUS[approval.status]
        with store.transaction() as conn:  # the gateway audited the decision where it was taken
            store.close(conn, caller.tenant, card, status=status, decision=None, button_id=None, by=None, role=None,
                        at=self.service.clock(), audit_event=None)
        return CardDecisionResult(card_id=card.card_id, decision=button.decision, button_id=button.button_id,
                                  status=status, already_decided=True, approval_id=approval.approval_id,
                                  decided_by=approval_decider(store, approval.approval_id),
                                  message_ar=self.service.texts.data.labels.status[status.value])

    # ------------------------------------------------------------------ everything else
    def _close(self, card: Card, button: CardButton, caller: Caller,
               request: CardDecisionRequest) -> CardDecisionResult:
        status = _CLOSING_STATUS[button.decision]
        proof = card.proof_impact if button.decision == "accept" and not card.context.source.proof_recorded else None
        closed = self._record_close(card, button, caller, status, reason=request.reason, proof=proof, extra={})
        if closed is None:
            return _already(self.service.store.record(caller.tenant, card.card_id), button)
        event_id, recorded = closed
        return CardDecisionResult(card_id=card.card_id, decision=button.decision, button_id=button.button_id,
                                  status=status, already_decided=False, decided_by=caller.user_id,
                                  message_ar=self.service.texts.data.labels.status[status.value],
                                  audit_event=event_id, proof=recorded)

    def _record_close(self, card: Card, button: CardButton, caller: Caller, status: CardStatus, *,
                      reason: str | None, proof: RWUType | None,
                      extra: dict[str, Any]) -> tuple[str, RWUType | None] | None:
        """Audit event, card closed and work unit, in one transaction; None if another press won.

        The unit's ref is what the card is about (the lead, else the card), and a unit of that type
        already in the ledger for that ref (e.g. an opportunity counted when it was ranked) is not
        written again: a decision proves value once.
        """
        service = self.service
        now = service.clock()
        ref = card.context.lead_id or card.card_id
        try:
            with service.store.transaction() as conn:
                if proof is not None and conn.execute(
                        "SELECT 1 FROM revenue_work_units WHERE tenant = ? AND type = ? AND ref = ? LIMIT 1",
                        (caller.tenant, proof.value, ref)).fetchone() is not None:
                    proof = None
                event = service.gateway.audit.append(
                    conn, tenant=caller.tenant, kind="card_decided", actor=caller.user_id, action=DECIDE_ACTION,
                    payload={"card_id": card.card_id, "card_type": card.type.value, "button_id": button.button_id,
                             "decision": button.decision, "status": status.value, "role": caller.role.value,
                             "approval_id": card.context.approval_id, "reason": reason,
                             "proof_impact": proof.value if proof else None, **extra},
                    ts=now)
                if not service.store.close(conn, caller.tenant, card, status=status, decision=button.decision,
                                           button_id=button.button_id, by=caller.user_id, role=caller.role, at=now,
                                           audit_event=event.event_id):
                    raise _Lost()
                if proof is not None:
                    record_rwu(conn, tenant=caller.tenant, type=proof, audit_event=event.event_id, ts=now, ref=ref)
        except _Lost:
            return None
        return event.event_id, proof

    def _refuse(self, card: Card, button: CardButton, caller: Caller) -> None:
        self.service.gateway.audit.record(
            tenant=caller.tenant, kind="card_decision_refused", actor=caller.user_id, action=DECIDE_ACTION,
            payload={"card_id": card.card_id, "card_type": card.type.value, "button_id": button.button_id,
                     "decision": button.decision, "role": caller.role.value,
                     "approval_id": card.context.approval_id},
            ts=self.service.clock())


def approval_decider(store: CardStore, approval_id: str) -> str | None:
    with store.db.read() as conn:
        row = conn.execute("SELECT decided_by FROM approvals WHERE approval_id = ?", (approval_id,)).fetchone()
    return row["decided_by"] if row is not None else None


def _button(card: Card, request: CardDecisionRequest) -> CardButton:
    button = card.button(request.button_id) if request.button_id is not None else card.button_for(
        request.decision or "")
    if button is None or (request.decision is not None and button.decision != request.decision):
        raise ButtonNotOnCard()
    return button


def _already(record: CardRecord, button: CardButton, *, in_progress: bool = False) -> CardDecisionResult:
    card = record.card
    if in_progress:
        return CardDecisionResult(
            card_id=card.card_id, decision=button.decision, button_id=button.button_id, status=card.status,
            already_decided=True, approval_id=card.context.approval_id,
            message_ar="يجري الآن تنفيذ قرار آخر على هذه البطاقة؛ لم يُنفَّذ شيء مرة أخرى.")
    return CardDecisionResult(
        card_id=card.card_id, decision=record.decision or button.decision,
        button_id=record.button_id or button.button_id,
        status=card.status, already_decided=True, decided_by=record.decided_by,
        approval_id=card.context.approval_id, audit_event=record.audit_event,
        message_ar="سبق اتخاذ قرار في هذه البطاقة؛ لم يتغير شيء ولم يُنفَّذ شيء مرة أخرى.")
