"""The action-policy gateway: the only path from an agent to a connector.

    agent / skill ──ToolCall──▶ Gateway.invoke ──▶ PolicyDecision (+ audit event, + revenue work unit)
        blocked ............. refused with reason_ar; nothing runs
        suggest/draft_only .. the draft connector runs once per (thread, call, args) via the ledger
        approval_required ... a pending ApprovalRequest; the runtime interrupts for a human
    human ──Gateway.resolve(approval_id, caller, approve|edit|reject)──▶ ApprovalDecision (+ token)
    runtime ──Gateway.execute(call, approval_token)──▶ approved_execute, exactly once
    console ──Gateway.dry_run(call)──▶ the decision, audited as a dry run; nothing pending, nothing counted

Outreach (actions marked ``outreach`` in the policy) with a lead directory wired: every recipient
is checked by the directory (one of the lead's contact points, contactable now), a contact gets at
most one outreach a day (Asia/Riyadh) across every thread, and each delivery records a touch.

Every method records what it decided in the hash-chained audit log in the same transaction as
the state it changed. Connectors need a permit that only this module can mint.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from tools.approvals import ApprovalBook, row_to_request
from tools.audit import AuditLog
from tools.canonical import action_digest, args_digest, canonical_action
from tools.connectors.base import _GATEWAY_SEAL, Connector, ConnectorContext, ExecutionPermit
from tools.consent import ConsentRegistry, ConsentState, same_address
from tools.deadletter import (
    DISCARD_ACTION,
    DLQ_SKILL,
    RETRY_ACTION,
    DeadLetter,
    DeadLetterBook,
    DeadLetterRetry,
    MessageCode,
    letter_args,
    row_to_letter,
)
from tools.enablement import ENABLE_ACTION, EnableConnector, TenantSwitches
from tools.errors import ApprovalError, ArgumentsError, ConnectorError, GatewayError, NotFound, RoleNotAllowed
from tools.ledger import LEASE, SideEffectLedger, effect_key, result_of
from tools.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalVerdict,
    Caller,
    Channel,
    ExecutionResult,
    ExecutionStatus,
    GatewayResult,
    Mode,
    PolicyDecision,
    RecipientCheck,
    Role,
    RWUType,
    ToolCall,
)
from tools.pii import PiiMasker
from tools.policy import ActionRule, Facts, Policy, RecipientFacts, TenantOverlay, Verdict, evaluate
from tools.ratelimit import RateLimiter
from tools.recipients import ContactPointConnector, RecipientDirectory, address_key, recipients_of
from tools.rwu import record_internal_rwus, record_rwu
from tools.saudi_time import Clock, system_clock
from tools.store import Conn, Row, Store

log = logging.getLogger("dealix.gateway")

# Approval descriptions are Markdown, not HTML; whatever renders them to HTML escapes them there.
_templates = Environment(
    loader=PackageLoader("tools", "data"), undefined=StrictUndefined, autoescape=False,  # noqa: S701
    trim_blocks=True, lstrip_blocks=True,
)


@dataclass(frozen=True)
class LiveFlags:
    """Live execution switches; all off by default, and never a substitute for an approval."""

    whatsapp: bool = False
    calendar: bool = False

    def on(self, name: str | None) -> bool:
        return name is None or bool(getattr(self, name, False))


@dataclass
class GatewayConfig:
    outbox_dir: Any
    approval_ttl: timedelta = timedelta(hours=48)
    live: LiveFlags = field(default_factory=LiveFlags)
    timezone: str = "Asia/Riyadh"
    # Where the processes sharing this gateway's data take their per-thread resume locks (None: in-process only).
    locks_dir: Any = None


class Gateway:
    def __init__(
        self,
        *,
        store: Store,
        policy: Policy,
        skills: Mapping[str, frozenset[str]],
        connectors: Mapping[str, Connector],
        key: bytes,
        config: GatewayConfig,
        overlays: Mapping[str, TenantOverlay] | None = None,
        clock: Clock = system_clock,
        masker: PiiMasker | None = None,
        audit: AuditLog | None = None,
        approvals: ApprovalBook | None = None,
        ledger: SideEffectLedger | None = None,
        recipients: RecipientDirectory | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self._skills = dict(skills)
        self._connectors = dict(connectors)
        self._config = config
        self._overlays = dict(overlays or {})
        self._clock = clock
        self.masker = masker or PiiMasker(key)
        self.audit = audit or AuditLog(store, key=key, masker=self.masker)
        self.approvals = approvals or ApprovalBook(key=key, ttl=config.approval_ttl)
        self.ledger = ledger or SideEffectLedger()
        self.consent = ConsentRegistry(store, key=key)
        self._rates = RateLimiter()
        self.dead_letters = DeadLetterBook()
        self.switches = TenantSwitches()
        # The per-tenant enablement switch is an internal effect with the same exactly-once machinery.
        self._connectors.setdefault(ENABLE_ACTION, EnableConnector(store, self.switches))
        # Who may receive an outreach: the lead directory (the Targeting OS), when the shell wires one.
        self.recipients = recipients
        if recipients is not None:  # adding an address to a lead is the directory's own effect
            self._connectors[ContactPointConnector.action] = ContactPointConnector(recipients)

    # ------------------------------------------------------------------ public API
    def set_overlay(self, overlay: TenantOverlay) -> None:
        """Set ``overlay`` for its tenant on this gateway, for every caller that shares it."""
        self._overlays[overlay.tenant] = overlay

    def with_overlay(self, overlay: TenantOverlay) -> Gateway:
        """This gateway seen through ``overlay`` for its tenant: one run's tighter modes (the autopilot's
        review-first drafts) without changing what other callers of the shared gateway get. The view
        shares everything else (store, audit chain, approvals, ledger, locks)."""
        view = copy.copy(self)
        view._overlays = {**self._overlays, overlay.tenant: overlay}
        return view

    def now(self) -> datetime:
        """The gateway's clock: the moment its decisions and expiries are judged at."""
        return self._clock()

    @property
    def locks_dir(self) -> Any:
        """The folder of the cross-process resume locks of the processes that share this gateway's data."""
        return self._config.locks_dir

    def decide(self, call: ToolCall, *, actor: str = "agent") -> GatewayResult:
        """Decide and record; request an approval when one is needed. Never executes."""
        return self._decide(call, actor=actor, run_drafts=False)

    def invoke(self, call: ToolCall, *, actor: str = "agent") -> GatewayResult:
        """Decide, record, and run the draft connector when the mode lets it run without a human."""
        return self._decide(call, actor=actor, run_drafts=True)

    def dry_run(self, call: ToolCall, *, actor: str = "agent") -> GatewayResult:
        """What the gateway would decide now, recorded in the audit log as ``decision_dry_run``.

        Nothing else is written: no approval is requested, no rate-limit window counts it and no
        revenue work unit is recorded, so a what-if question leaves nothing for anyone to answer.
        """
        now = self._clock()
        evaluated = self._evaluate_full(call, now, stage="decide")
        with self.store.transaction() as conn:
            payload = self._decision_payload(call, evaluated.verdict, evaluated.digest, None)
            if evaluated.recipient is not None:
                payload["recipient"] = evaluated.recipient.model_dump(mode="json", exclude={"last_touches"})
            event = self._audit(conn, call.tenant, "decision_dry_run", actor, evaluated.action, payload, now)
        return GatewayResult(decision=self._decision(evaluated.action, evaluated.verdict, event.event_id,
                                                     evaluated.digest, None))

    def resolve(self, approval_id: str, caller: Caller, verdict: ApprovalVerdict, *,
                edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
                reason: str | None = None) -> ApprovalDecision:
        """A human's answer to a pending approval. The caller comes from authentication, not a payload."""
        now = self._clock()
        with self.store.transaction() as conn:
            row = self.approvals.get_row(conn, approval_id, caller.tenant)
            request = row_to_request(row)
            if request.status == "pending" and request.expires_at <= now:
                self.approvals.expire(conn, approval_id)
                self._audit(conn, caller.tenant, "approval_expired", caller.user_id, request.action_request.action,
                            {"approval_id": approval_id}, now)
                request = request.model_copy(update={"status": "expired"})
        if request.status == "expired":
            raise ApprovalError(self.policy.message("approval_expired").reason_ar,
                                "The approval expired and counts as a denial.", code="approval_expired")
        if request.status != "pending":
            raise ApprovalError(f"سبق اتخاذ قرار في هذه الموافقة ({_STATUS_AR[request.status]})؛ لم يتغير شيء.",
                                f"Approval already decided ({request.status}).", code="already_decided")
        if caller.role not in request.approver_roles:
            self.audit.record(tenant=caller.tenant, kind="approval_refused", actor=caller.user_id,
                              action=request.action_request.action,
                              payload={"approval_id": approval_id, "role": caller.role.value}, ts=now)
            raise RoleNotAllowed(self.policy.message("role_not_allowed").reason_ar,
                                 f"Role {caller.role.value} may not approve {request.action_request.action}.")
        if verdict != "reject" and request.action_request.args.get("requested_by") == caller.user_id:
            # Four eyes: whoever asked for it (e.g. enabling a high-risk connector) cannot also approve it.
            self.audit.record(tenant=caller.tenant, kind="approval_refused", actor=caller.user_id,
                              action=request.action_request.action,
                              payload={"approval_id": approval_id, "role": caller.role.value,
                                       "reason_code": "self_approval"}, ts=now)
            raise RoleNotAllowed(self.policy.message("self_approval").reason_ar,
                                 "The person who requested this action may not approve it.", code="self_approval")
        if verdict == "edit" and (edited_action or request.action_request.action) == request.action_request.action \
                and edited_args == request.action_request.args:
            verdict = "approve"  # an edit that changes nothing is an approval of what was asked
        if verdict == "edit":
            return self._resolve_edit(request, caller, edited_action, edited_args, reason, now)
        status: ApprovalStatus = "approved" if verdict == "approve" else "rejected"
        with self.store.transaction() as conn:
            if not self.approvals.mark(conn, approval_id, status=status, by=caller.user_id, role=caller.role,
                                       at=now, reason=reason):
                raise ApprovalError("سبق اتخاذ قرار في هذه الموافقة؛ لم يتغير شيء.",
                                    "Approval already decided.", code="already_decided")
            event = self._audit(conn, caller.tenant, f"approval_{status}", caller.user_id,
                                request.action_request.action,
                                {"approval_id": approval_id, "role": caller.role.value, "reason": reason}, now)
            token = None
            if status == "approved":
                record_rwu(conn, tenant=caller.tenant, type=RWUType.approval_collected,
                           audit_event=event.event_id, ts=now, ref=approval_id)
                token = self.approvals.token_for(self.approvals.get_row(conn, approval_id, caller.tenant))
        return ApprovalDecision(approval_id=approval_id, verdict=verdict, decided_by=caller.user_id,
                                role=caller.role, decided_at=now, reason=reason, token=token)

    def execute(self, call: ToolCall, *, approval_token: str | None, actor: str = "agent") -> GatewayResult:
        """Run an action that needed approval, once, with a valid token for exactly this call."""
        now = self._clock()
        evaluated = self._evaluate_full(call, now, stage="execute")
        action, rule, verdict, digest = evaluated.action, evaluated.rule, evaluated.verdict, evaluated.digest
        refusal = self._refusal_at_execution(call, action, rule, verdict, now)
        if refusal is not None:
            return self._record_refusal(call, action, digest, refusal, actor, now)
        if verdict.mode != Mode.approval_required:
            # Nothing to approve: the normal path already runs it (or it is blocked).
            return self.invoke(call, actor=actor)
        if not approval_token:
            return self._record_refusal(call, action, digest, ("approval_missing", None), actor, now)
        return self._run(call, action, rule, digest, now, actor=actor, token=approval_token,
                         mode=Mode.approved_execute, guard=evaluated.guard)

    def unfinished_token(self, approval_id: str, tenant: str) -> str | None:
        """The token of an approval that was decided but whose action never finished, else None.

        That happens when a worker dies between the decision and its checkpoint (still ``approved``)
        or in the middle of the execution (``consumed``, its ledger row still ``started``). Whoever
        resumes may finish the job with this token; the side-effect ledger and its lease keep it to
        one execution.
        """
        with self.store.read() as conn:
            row = self.approvals.get_row(conn, approval_id, tenant)
            if row["status"] == "consumed":
                effect = conn.execute("SELECT status FROM side_effects WHERE approval_id = ?",
                                      (approval_id,)).fetchone()
                if effect is None or effect["status"] != "started":
                    return None
            elif row["status"] != "approved":
                return None
            return self.approvals.token_for(row)

    def pending_approvals(self, tenant: str | None = None) -> list[ApprovalRequest]:
        with self.store.read() as conn:
            return self.approvals.pending(conn, tenant=tenant, now=self._clock())

    def get_approval(self, approval_id: str, tenant: str) -> ApprovalRequest:
        with self.store.read() as conn:
            return row_to_request(self.approvals.get_row(conn, approval_id, tenant))

    def get_approvals(self, approval_ids: Collection[str], tenant: str) -> dict[str, ApprovalRequest]:
        """approval id → approval, for those of ``approval_ids`` that are ``tenant``'s, in one read."""
        with self.store.read() as conn:
            return {i: row_to_request(row) for i, row in self.approvals.rows(conn, approval_ids, tenant).items()}

    def settled_approvals(self, approval_ids: Collection[str], tenant: str) -> dict[str, ApprovalRequest]:
        """Those of ``approval_ids`` that are decided with nothing left to finish, in two reads at most:
        an answer to one of them can only be told "already decided" (see :meth:`unfinished_token`)."""
        with self.store.read() as conn:
            rows = {i: row for i, row in self.approvals.rows(conn, approval_ids, tenant).items()
                    if row["status"] not in ("pending", "approved")}
            consumed = sorted(i for i, row in rows.items() if row["status"] == "consumed")
            if consumed:
                marks = ",".join("?" * len(consumed))
                started = {r["approval_id"] for r in conn.execute(
                    f"SELECT approval_id FROM side_effects WHERE status = 'started'"  # noqa: S608
                    f" AND approval_id IN ({marks})", consumed).fetchall()}
                rows = {i: row for i, row in rows.items() if i not in started}
        return {i: row_to_request(row) for i, row in rows.items()}

    # ------------------------------------------------------------------ dead-letter queue
    def dead_letter(self, letter_id: str, tenant: str) -> DeadLetter:
        with self.store.read() as conn:
            return row_to_letter(self._letter_row(conn, letter_id, tenant))

    def retry_dead_letter(self, letter_id: str, *, tenant: str, actor: str, role: Role | None = None,
                          force: bool = False) -> DeadLetterRetry:
        """Run a failed execution again under the SAME effect key and the approval its first run spent.

        The side-effect ledger and its lease keep it to one successful execution however many retries
        race; a letter not yet due is refused unless an authorised person (``force_roles``) forces it.
        Each retry is a ``dlq.retry`` decision of the gateway (audited, actor = the person or the sweeper).
        """
        now = self._clock()
        messages = self.dead_letters.settings.messages
        with self.store.read() as conn:
            row = self._letter_row(conn, letter_id, tenant)
        letter = row_to_letter(row)
        if letter.status == "resolved":
            return DeadLetterRetry(letter=letter, outcome="already_executed", message_ar=messages["resolved"].reason_ar,
                                   ledger_id=letter.ledger_id)
        if letter.status in ("discarded", "exhausted", "in_doubt"):
            raise self._dlq_refused(letter, letter.status, actor, now)
        due = letter.next_retry_at is None or letter.next_retry_at <= now
        if not due and not force:
            raise self._dlq_refused(letter, "retrying" if letter.status == "retrying" else "not_due", actor, now)
        if not due and role not in self.dead_letters.settings.force_roles:
            refused = self._dlq_refused(letter, "force_not_allowed", actor, now)
            raise RoleNotAllowed(refused.message_ar, refused.message_en, code=refused.code)
        decision = self.decide(ToolCall(
            tenant=tenant, skill=DLQ_SKILL, action=RETRY_ACTION, thread_id="dlq",
            tool_call_id=f"{letter_id}:{letter.attempts + 1}",
            args={"letter_id": letter_id, "attempt": letter.attempts + 1, "forced": not due}), actor=actor).decision
        if not decision.allowed:
            return DeadLetterRetry(letter=letter, outcome="refused", message_ar=decision.reason_ar,
                                   reason_code=decision.reason_code)
        call = ToolCall(tenant=tenant, skill=letter.skill, action=letter.action, args=letter_args(row),
                        thread_id=letter.thread_id, tool_call_id=row["tool_call_id"], contact_id=letter.contact_id)
        action, rule, verdict, digest = self._evaluate(call, now, stage="execute")
        refusal = self._refusal_at_execution(call, action, rule, verdict, now)
        if refusal is None and verdict.mode == Mode.approval_required and \
                not self._approval_holds(letter, row["digest"], digest):
            refusal = ("approval_mismatch", None)
        if refusal is not None:  # policy, live flag ... now: an attempt; quiet hours or a cap: only too early
            refused_result = self._record_refusal(call, action, digest, refusal, actor, now)
            with self.store.transaction() as conn:
                after = self.dead_letters.next_attempt(
                    conn, self._letter_row(conn, letter_id, tenant), error_code=refused_result.decision.reason_code,
                    error_message=refused_result.decision.reason_en, retry_safe=letter.retry_safe, now=now,
                    counts=refusal[0] not in _TIMING_REFUSALS)
            return DeadLetterRetry(letter=after, outcome="refused", message_ar=refused_result.decision.reason_ar,
                                   reason_code=refused_result.decision.reason_code)
        return self._rerun(letter, call, action, rule, row["digest"], now, actor=actor, forced=not due,
                           mode=Mode.approved_execute if verdict.mode == Mode.approval_required else verdict.mode)

    def _rerun(self, letter: DeadLetter, call: ToolCall, action: str, rule: ActionRule, digest: str, now: datetime,
               *, actor: str, forced: bool, mode: Mode) -> DeadLetterRetry:
        messages = self.dead_letters.settings.messages
        connector = self._connectors.get(action)
        outcome: ExecutionStatus | None = None
        with self.store.transaction() as conn:
            prior = self.ledger.lookup(conn, letter.effect_key)
            assert prior is not None, "a letter always has its ledger row"
            payload = {"letter_id": letter.letter_id, "ledger_id": prior["ledger_id"], "digest": digest}
            if prior["status"] == "done":
                self.dead_letters.resolve_ledger(conn, prior["ledger_id"], now)
                self._audit(conn, call.tenant, "dead_letter_resolved", actor, action, payload, now)
                outcome = "already_executed"
            elif self.ledger.leased(prior, now):
                self._audit(conn, call.tenant, "execution_in_progress", actor, action, payload, now)
                outcome = "in_progress"
            elif connector is None or (not connector.idempotent and not self.dead_letters.retry_safe(conn, prior)):
                self.dead_letters.mark(conn, letter.letter_id, status="in_doubt", expected=("waiting", "retrying"))
                self._audit(conn, call.tenant, "execution_in_doubt", actor, action, payload, now)
                outcome = "in_doubt"
            elif not self.dead_letters.mark(conn, letter.letter_id, status="retrying",
                                            expected=("waiting", "retrying"), next_retry_at=now + LEASE):
                outcome = "not_executed"  # discarded (or settled) between reading it and now
            else:
                self.ledger.claim(conn, prior["ledger_id"], now)
                self._audit(conn, call.tenant, "dead_letter_retry", actor, action,
                            {**payload, "attempt": letter.attempts + 1, "forced": forced}, now)
        if outcome is not None:
            after = self.dead_letter(letter.letter_id, call.tenant)
            if outcome == "not_executed":
                return DeadLetterRetry(letter=after, outcome="refused", reason_code=f"dlq_{after.status}",
                                       message_ar=messages["discarded" if after.status == "discarded"
                                                           else "resolved"].reason_ar)
            message = {"already_executed": messages["resolved"], "in_doubt": messages["in_doubt"]}.get(outcome)
            return DeadLetterRetry(letter=after, outcome="in_doubt" if outcome == "in_doubt" else outcome,
                                   message_ar=message.reason_ar if message else messages["retrying"].reason_ar,
                                   ledger_id=prior["ledger_id"])
        assert connector is not None
        try:
            result = self._deliver(call, action, rule, digest, letter.effect_key, prior["ledger_id"], connector, now,
                                   actor=actor, mode=mode, approval_id=prior["approval_id"])
        except GatewayError as exc:
            after = self.dead_letter(letter.letter_id, call.tenant)
            return DeadLetterRetry(letter=after, outcome="failed", message_ar=exc.message_ar,
                                   reason_code=after.error_code, ledger_id=prior["ledger_id"])
        execution = result.execution
        return DeadLetterRetry(letter=self.dead_letter(letter.letter_id, call.tenant), outcome="executed",
                               message_ar=result.decision.reason_ar, ledger_id=prior["ledger_id"],
                               outbox_path=execution.outbox_path if execution else None)

    def discard_dead_letter(self, letter_id: str, *, tenant: str, actor: str, reason: str) -> DeadLetter:
        """A person's decision that a failed execution never runs again (``dlq.discard``, audited)."""
        now = self._clock()
        messages = self.dead_letters.settings.messages
        if not reason or not reason.strip():
            raise ArgumentsError(messages["reason_required"].reason_ar, messages["reason_required"].reason_en,
                                 code="dlq_reason_required")
        with self.store.read() as conn:
            letter = row_to_letter(self._letter_row(conn, letter_id, tenant))
        if letter.status in ("discarded", "resolved", "retrying"):
            raise self._dlq_refused(letter, letter.status, actor, now)
        masked = self.masker.mask_text(reason.strip())[:500]
        decision = self.decide(ToolCall(tenant=tenant, skill=DLQ_SKILL, action=DISCARD_ACTION, thread_id="dlq",
                                        tool_call_id=f"{letter_id}:discard",
                                        args={"letter_id": letter_id, "reason": masked}), actor=actor).decision
        if not decision.allowed:
            raise ApprovalError(decision.reason_ar, decision.reason_en, code=decision.reason_code)
        with self.store.transaction() as conn:
            done = self.dead_letters.discard(conn, letter_id, by=actor, reason=masked, now=now)
            if done and letter.approval_id is not None:  # it never runs again
                self.approvals.retire(conn, letter.approval_id)
            if done:
                self._audit(conn, tenant, "dead_letter_discarded", actor, letter.action,
                            {"letter_id": letter_id, "ledger_id": letter.ledger_id, "reason": masked}, now)
        after = self.dead_letter(letter_id, tenant)
        if not done:
            raise self._dlq_refused(after, "retrying" if after.status == "retrying" else "resolved"
                                    if after.status == "resolved" else "discarded", actor, now)
        return after

    def _letter_row(self, conn: Conn, letter_id: str, tenant: str) -> Row:
        row = self.dead_letters.get_row(conn, letter_id, tenant)
        if row is None:  # another tenant's letter is indistinguishable from a missing one
            msg = self.dead_letters.settings.messages["not_found"]
            raise NotFound(msg.reason_ar, msg.reason_en, code="dead_letter_not_found")
        return row

    def _dlq_refused(self, letter: DeadLetter, code: MessageCode, actor: str, now: datetime) -> ApprovalError:
        msg = self.dead_letters.settings.messages[code]
        self.audit.record(tenant=letter.tenant, kind="dead_letter_refused", actor=actor, action=letter.action,
                          payload={"letter_id": letter.letter_id, "reason_code": f"dlq_{code}"}, ts=now)
        return ApprovalError(msg.reason_ar, msg.reason_en, code=f"dlq_{code}")

    def _approval_holds(self, letter: DeadLetter, stored_digest: str, digest: str) -> bool:
        """The approval the first run spent still covers exactly this call (same digest, same tenant)."""
        if letter.approval_id is None or stored_digest != digest:
            return False
        with self.store.read() as conn:
            row = conn.execute("SELECT digest, status FROM approvals WHERE approval_id = ? AND tenant = ?",
                               (letter.approval_id, letter.tenant)).fetchone()
        return row is not None and row["digest"] == digest and row["status"] == "consumed"

    # ------------------------------------------------------------------ deciding
    def _evaluate(self, call: ToolCall, now: datetime, conn: Conn | None = None, *,
                  stage: _Stage = "decide") -> tuple[str, ActionRule, Verdict, str]:
        evaluated = self._evaluate_full(call, now, conn, stage=stage)
        return evaluated.action, evaluated.rule, evaluated.verdict, evaluated.digest

    def _evaluate_full(self, call: ToolCall, now: datetime, conn: Conn | None = None, *,
                       stage: _Stage = "decide") -> _Evaluated:
        """Gather the facts and evaluate; inside ``conn``'s transaction when given (so the rate count
        and the write that follows it cannot interleave with another writer). ``stage``: at
        ``execute`` an outreach pending in another thread no longer matters (the first to be
        delivered wins; the other is then refused as ``touched_today``)."""
        action = canonical_action(call.action)
        rule = self.policy.rule(action)
        rate = self.policy.rate_limit(action)
        digest = action_digest(tenant=call.tenant, skill=call.skill, action=action, args=call.args,
                               policy_version=self.policy.version, contact_id=call.contact_id)
        if conn is None:
            with self.store.read() as read_conn:
                rate_count = self._rates.count(read_conn, tenant=call.tenant, action=action,
                                               channel=_channel_name(rule), now=now, per_seconds=rate.per_seconds)
                recipient = self._recipient_facts(read_conn, call, rule, digest, now, stage)
        else:
            rate_count = self._rates.count(conn, tenant=call.tenant, action=action, channel=_channel_name(rule),
                                           now=now, per_seconds=rate.per_seconds)
            recipient = self._recipient_facts(conn, call, rule, digest, now, stage)
        consent = self._consent(call, rule.channel or Channel.all)
        facts = Facts(
            skill_known=call.skill in self._skills,
            skill_actions=self._skills.get(call.skill, frozenset()),
            contact_id=call.contact_id,
            consent=consent,
            recipient_matches=consent is not None and same_address(call.args.get("to"), consent.address),
            transcript_consent=(self._consent(call, rule.requires_consent_channel)
                                if rule.requires_consent_channel else None),
            rate_count=rate_count,
            overlay=self._overlays.get(call.tenant),
            recipient=recipient.facts if recipient is not None else None,
        )
        verdict = evaluate(self.policy, action, facts)
        if verdict.mode != Mode.blocked and self.switches.integrations_of(action):
            verdict = self._tenant_gate(call.tenant, action, verdict, conn)
        return _Evaluated(action, rule, verdict, digest,
                          recipient.facts.deciding if recipient is not None else None,
                          recipient.guard if recipient is not None else None)

    # ------------------------------------------------------------------ outreach recipients
    def _recipient_facts(self, conn: Conn, call: ToolCall, rule: ActionRule, digest: str, now: datetime,
                         stage: _Stage) -> _RecipientView | None:
        """The directory's checks of every recipient, and the one-outreach-a-day facts.

        Only for outreach with a directory wired, and only about leads the directory knows: a
        contact it does not know (a support customer, a partner) is judged on consent as before.
        """
        if self.recipients is None or not rule.outreach or rule.channel is None:
            return None
        addresses = recipients_of(call.args)
        checks = tuple(found for found in (self.recipients.check(call.tenant, call.contact_id, rule.channel,
                                                                 address, now) for address in addresses)
                       if found is not None)
        if not checks:
            return None
        ids = {i for c in checks for i in (c.contact_id, *c.related_ids)}
        if call.contact_id is not None:
            ids.add(call.contact_id)
        keys = {address_key(a) for a in addresses}
        day_start = _day_start(now, self._config.timezone)
        touches = [t for c in checks for t in c.last_touches if t.at >= day_start]
        # A touch the person answered today makes the next message a conversation, not outreach.
        since = max([day_start, *(t.at for t in touches if t.replied)])
        key = effect_key(call.thread_id, call.tool_call_id, digest)
        own = self.ledger.lookup(conn, key) is not None  # this very call ran (or is running): not a second one
        touched = not own and (any(not t.replied and t.at >= since for t in touches)
                               or self._outreach_since(conn, call.tenant, ids, since, key) > 0)
        pending = stage == "decide" and self._pending_elsewhere(conn, call, ids, keys, now)
        return _RecipientView(RecipientFacts(checks=checks, touched_today=touched, pending_elsewhere=pending),
                              _DailyGuard(frozenset(ids), since))

    def _outreach_since(self, conn: Conn, tenant: str, ids: set[str] | frozenset[str], since: datetime,
                        own_key: str) -> int:
        """Outreach to any of ``ids`` started (or delivered) since ``since``, other than ``own_key``."""
        actions = self.policy.outreach_actions()
        if not ids or not actions:
            return 0
        id_marks, action_marks = ",".join("?" * len(ids)), ",".join("?" * len(actions))
        row = conn.execute(
            f"SELECT COUNT(*) FROM side_effects WHERE tenant = ? AND contact_id IN ({id_marks})"  # noqa: S608
            f" AND action IN ({action_marks}) AND status IN ('started', 'done') AND started_at >= ?"
            " AND effect_key != ?", (tenant, *sorted(ids), *actions, since.isoformat(), own_key)).fetchone()
        return int(row[0])

    def _pending_elsewhere(self, conn: Conn, call: ToolCall, ids: set[str], keys: set[str], now: datetime) -> bool:
        """An outreach approval to the same person (by lead id or address) pending in another thread."""
        actions = self.policy.outreach_actions()
        marks = ",".join("?" * len(actions))
        rows = conn.execute(
            f"SELECT contact_id, args FROM approvals WHERE tenant = ? AND status = 'pending'"  # noqa: S608
            f" AND thread_id != ? AND expires_at > ? AND action IN ({marks})",
            (call.tenant, call.thread_id, now.isoformat(), *actions)).fetchall()
        for row in rows:
            if row["contact_id"] is not None and row["contact_id"] in ids:
                return True
            if keys & {address_key(a) for a in recipients_of(json.loads(row["args"]))}:
                return True
        return False

    def _record_touches(self, call: ToolCall, rule: ActionRule, now: datetime) -> None:
        """After a delivered outreach: one touch per recipient, in the lead directory."""
        if self.recipients is None or not rule.outreach or rule.channel is None:
            return
        seen: set[str] = set()
        for address in recipients_of(call.args):
            key = address_key(address)
            if key in seen:
                continue
            seen.add(key)
            try:
                self.recipients.record_touch(call.tenant, call.contact_id, rule.channel, address, now)
            except Exception:  # the draft is in the outbox; the ledger still counts it for today
                log.exception("touch not recorded for %s", rule.channel.value)

    def _tenant_gate(self, tenant: str, action: str, verdict: Verdict, conn: Conn | None) -> Verdict:
        """Refuse an action of an integration this tenant switched off (on top of the deployment's gates)."""
        if conn is None:
            with self.store.read() as read_conn:
                disabled = self.switches.disabled_for(read_conn, tenant, action)
        else:
            disabled = self.switches.disabled_for(conn, tenant, action)
        if disabled is None:
            return verdict
        msg = self.policy.message("connector_disabled")
        return Verdict(mode=Mode.blocked, reason_code="connector_disabled", reason_ar=msg.reason_ar,
                       reason_en=msg.reason_en, proof_impact=RWUType.risk_blocked)

    def _consent(self, call: ToolCall, channel: Channel) -> ConsentState | None:
        if call.contact_id is None:
            return None
        return self.consent.state(call.tenant, call.contact_id, channel)

    def _decide(self, call: ToolCall, *, actor: str, run_drafts: bool) -> GatewayResult:
        now = self._clock()
        approval: ApprovalRequest | None = None
        with self.store.transaction() as conn:
            evaluated = self._evaluate_full(call, now, conn)
            action, rule, verdict, digest = evaluated.action, evaluated.rule, evaluated.verdict, evaluated.digest
            if verdict.mode != Mode.blocked:
                rate = self.policy.rate_limit(action)
                self._rates.hit(conn, tenant=call.tenant, action=action, channel=_channel_name(rule),
                                now=now, per_seconds=rate.per_seconds)
            if verdict.mode == Mode.approval_required:
                approval = self.approvals.request(
                    conn, call=call.model_copy(update={"action": action}), action=action, digest=digest,
                    policy_version=self.policy.version, approver_roles=verdict.approver_roles,
                    description=self._describe(call, action, rule, verdict, evaluated.recipient), now=now,
                    recipient=evaluated.recipient)
            event = self._audit(conn, call.tenant, "decision", actor, action,
                                self._decision_payload(call, verdict, digest, approval), now)
            if verdict.mode == Mode.blocked and verdict.proof_impact is not None:
                record_rwu(conn, tenant=call.tenant, type=verdict.proof_impact, audit_event=event.event_id,
                           ts=now, ref=call.contact_id)
            elif run_drafts and verdict.mode == Mode.suggest_only and action not in self._connectors:
                # An internal action (a ranking, a proof pack, a partner suggestion) has no connector:
                # the recorded decision is its whole effect, so its work units are recorded with it.
                record_internal_rwus(conn, tenant=call.tenant, action=action, type=verdict.proof_impact,
                                     args=call.args, audit_event=event.event_id, ts=now,
                                     ref=call.contact_id or call.thread_id)
        decision = self._decision(action, verdict, event.event_id, digest, approval)
        if verdict.mode == Mode.blocked:
            log.info("blocked %s for skill %s: %s", action, call.skill, verdict.reason_code)
        if not run_drafts or verdict.mode not in (Mode.suggest_only, Mode.draft_only):
            return GatewayResult(decision=decision, approval=approval)
        if action not in self._connectors:
            return GatewayResult(decision=decision)
        executed = self._run(call, action, rule, digest, now, actor=actor, token=None, mode=verdict.mode,
                             guard=evaluated.guard)
        return GatewayResult(decision=decision, execution=executed.execution)

    def _decision(self, action: str, verdict: Verdict, event_id: str, digest: str,
                  approval: ApprovalRequest | None) -> PolicyDecision:
        return PolicyDecision(
            allowed=verdict.allowed, mode=verdict.mode, action=action, reason_ar=verdict.reason_ar,
            reason_en=verdict.reason_en, reason_code=verdict.reason_code,
            approval_required=verdict.mode == Mode.approval_required, audit_event=event_id,
            proof_impact=verdict.proof_impact, policy_version=self.policy.version,
            policy_hash=self.policy.hash, approval_id=approval.approval_id if approval else None,
            args_digest=digest,
        )

    def _decision_payload(self, call: ToolCall, verdict: Verdict, digest: str,
                          approval: ApprovalRequest | None) -> dict[str, Any]:
        return {
            "skill": call.skill, "requested_action": call.action, "args": call.args,
            "contact_id": call.contact_id, "thread_id": call.thread_id, "tool_call_id": call.tool_call_id,
            "mode": verdict.mode.value, "reason_code": verdict.reason_code, "digest": digest,
            "policy_version": self.policy.version, "policy_hash": self.policy.hash,
            "approval_id": approval.approval_id if approval else None,
        }

    def _describe(self, call: ToolCall, action: str, rule: ActionRule, verdict: Verdict,
                  recipient: RecipientCheck | None = None) -> str:
        zone = ZoneInfo(self._config.timezone)
        touches = [{"channel": t.channel, "at": t.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    "replied": t.replied} for t in (recipient.last_touches if recipient else ())]
        return _templates.get_template("approval_description.md.j2").render(
            action=action, label_ar=rule.label_ar or action, skill=call.skill, reason_ar=verdict.reason_ar,
            args=self.masker.mask(call.args), contact_id=call.contact_id,
            live_flag=rule.live_flag, roles=[r.value for r in verdict.approver_roles],
            recipient=recipient, touches=touches, status_ar=_RECIPIENT_STATUS_AR,
        )

    # ------------------------------------------------------------------ approvals: edit
    def _resolve_edit(self, request: ApprovalRequest, caller: Caller, edited_action: str | None,
                      edited_args: dict[str, Any] | None, reason: str | None, now: datetime) -> ApprovalDecision:
        if edited_args is None:
            raise ApprovalError("التعديل يحتاج المعطيات الجديدة.", "An edit needs the edited arguments.",
                                code="edit_without_args")
        original = ToolCall(tenant=request.tenant, skill=request.skill, action=request.action_request.action,
                            args=request.action_request.args, thread_id=request.thread_id,
                            tool_call_id=request.tool_call_id, contact_id=request.contact_id)
        edited = original.model_copy(update={"args": edited_args,
                                             "action": edited_action or original.action})
        # The edited call is judged afresh, its recipients included: a new address is checked like any other.
        evaluated = self._evaluate_full(edited, now)
        action, rule, verdict, digest = evaluated.action, evaluated.rule, evaluated.verdict, evaluated.digest
        with self.store.transaction() as conn:
            new_request: ApprovalRequest | None = None
            token: str | None = None
            if verdict.mode != Mode.blocked:
                new_request = self.approvals.request(
                    conn, call=edited.model_copy(update={"action": action}), action=action, digest=digest,
                    policy_version=self.policy.version, approver_roles=verdict.approver_roles,
                    description=self._describe(edited, action, rule, verdict, evaluated.recipient), now=now,
                    recipient=evaluated.recipient)
            if not self.approvals.mark(conn, request.approval_id, status="superseded", by=caller.user_id,
                                       role=caller.role, at=now, reason=reason,
                                       superseded_by=new_request.approval_id if new_request else None):
                raise ApprovalError("سبق اتخاذ قرار في هذه الموافقة؛ لم يتغير شيء.",
                                    "Approval already decided.", code="already_decided")
            if new_request is not None and caller.role in verdict.approver_roles:
                # The editor approves what they edited, and only that.
                self.approvals.mark(conn, new_request.approval_id, status="approved", by=caller.user_id,
                                    role=caller.role, at=now, reason=reason)
                token = self.approvals.token_for(self.approvals.get_row(conn, new_request.approval_id,
                                                                         caller.tenant))
            event = self._audit(conn, caller.tenant, "approval_edited", caller.user_id, action, {
                "approval_id": request.approval_id, "new_approval_id": new_request.approval_id if new_request
                else None, "mode": verdict.mode.value, "reason_code": verdict.reason_code, "args": edited_args,
                "digest": digest, "role": caller.role.value, "reason": reason}, now)
            if new_request is not None:
                record_rwu(conn, tenant=caller.tenant, type=RWUType.approval_collected,
                           audit_event=event.event_id, ts=now, ref=new_request.approval_id)
            elif verdict.proof_impact is not None:
                record_rwu(conn, tenant=caller.tenant, type=verdict.proof_impact, audit_event=event.event_id,
                           ts=now, ref=request.approval_id)
        new_decision = self._decision(action, verdict, event.event_id, digest, new_request)
        return ApprovalDecision(approval_id=request.approval_id, verdict="edit", decided_by=caller.user_id,
                                role=caller.role, decided_at=now, reason=reason, edited_args=edited_args,
                                token=token, new_decision=new_decision)

    # ------------------------------------------------------------------ executing
    def _refusal_at_execution(self, call: ToolCall, action: str, rule: ActionRule, verdict: Verdict,
                              now: datetime) -> tuple[str, Verdict | None] | None:
        """Checks that only matter when something is about to leave: policy now, live flag, timing."""
        if verdict.mode == Mode.blocked:
            return (verdict.reason_code, verdict)
        if not self._config.live.on(rule.live_flag):
            return ("live_flag_off", None)
        if rule.respect_quiet_hours and (not self.policy.quiet_hours.contains(now)
                                         or self._contact_quiet(call, rule, now)):
            return ("quiet_hours", None)
        if rule.external and rule.channel is not None and call.contact_id is not None \
                and self._over_cap(call, rule, now):
            return ("frequency_cap", None)
        return None

    def _contact_quiet(self, call: ToolCall, rule: ActionRule, now: datetime) -> bool:
        """The contact's own quiet hours (e.g. 13:00-16:00), on top of the policy's business hours."""
        if call.contact_id is None or rule.channel is None:
            return False
        consent = self.consent.state(call.tenant, call.contact_id, rule.channel)
        if consent.quiet_start is None or consent.quiet_end is None:
            return False
        local = now.astimezone(ZoneInfo(self.policy.quiet_hours.timezone)).time()
        start, end = consent.quiet_start, consent.quiet_end
        return start <= local < end if start <= end else (local >= start or local < end)

    def _over_cap(self, call: ToolCall, rule: ActionRule, now: datetime) -> bool:
        assert rule.channel is not None and call.contact_id is not None
        cap = self.policy.frequency_caps.get(rule.channel)
        consent = self.consent.state(call.tenant, call.contact_id, rule.channel)
        limits: list[tuple[int, int]] = []
        if cap is not None:
            limits.append((cap.limit, cap.days))
        if consent.max_per_week is not None:
            limits.append((consent.max_per_week, 7))
        with self.store.read() as conn:
            return any(
                self.ledger.sends_since(conn, tenant=call.tenant, contact_id=call.contact_id,
                                        channel=rule.channel.value, since=now - timedelta(days=days)) >= limit
                for limit, days in limits
            )

    def _record_refusal(self, call: ToolCall, action: str, digest: str, refusal: tuple[str, Verdict | None],
                        actor: str, now: datetime) -> GatewayResult:
        code, verdict = refusal
        if verdict is None:
            msg = self.policy.message(code)
            verdict = Verdict(mode=Mode.blocked, reason_code=code, reason_ar=msg.reason_ar,
                              reason_en=msg.reason_en, proof_impact=RWUType.risk_blocked)
        with self.store.transaction() as conn:
            event = self._audit(conn, call.tenant, "execution_refused", actor, action, {
                "skill": call.skill, "args": call.args, "contact_id": call.contact_id, "digest": digest,
                "thread_id": call.thread_id, "tool_call_id": call.tool_call_id,
                "reason_code": verdict.reason_code}, now)
            if verdict.proof_impact is not None:
                record_rwu(conn, tenant=call.tenant, type=verdict.proof_impact, audit_event=event.event_id,
                           ts=now, ref=call.contact_id)
        return GatewayResult(decision=self._decision(action, verdict, event.event_id, digest, None),
                             execution=ExecutionResult(status="not_executed", action=action,
                                                       detail={"reason_code": verdict.reason_code}))

    def _run(self, call: ToolCall, action: str, rule: ActionRule, digest: str, now: datetime, *, actor: str,
             token: str | None, mode: Mode, guard: _DailyGuard | None = None) -> GatewayResult:
        connector = self._connectors.get(action)
        key = effect_key(call.thread_id, call.tool_call_id, digest)
        try:
            with self.store.transaction() as conn:
                prior = self.ledger.lookup(conn, key)
                if token is not None and prior is not None:
                    self.approvals.verify(conn, token, tenant=call.tenant, digest=digest)
                if prior is not None and prior["status"] == "done":
                    event = self._audit(conn, call.tenant, "execution_deduplicated", actor, action,
                                        {"ledger_id": prior["ledger_id"], "digest": digest}, now)
                    return self._result(action, mode, event.event_id, digest, "already_executed", prior, rule)
                if prior is not None and self.ledger.leased(prior, now):
                    event = self._audit(conn, call.tenant, "execution_in_progress", actor, action,
                                        {"ledger_id": prior["ledger_id"], "digest": digest}, now)
                    return self._result(action, mode, event.event_id, digest, "in_progress", prior, rule)
                if prior is not None and self.dead_letters.discarded(conn, prior["ledger_id"]):
                    raise _Refused("dead_letter_discarded")  # a person discarded it: it never runs again
                if prior is not None and not (connector is not None and connector.idempotent) \
                        and not self.dead_letters.retry_safe(conn, prior):
                    event = self._audit(conn, call.tenant, "execution_in_doubt", actor, action,
                                        {"ledger_id": prior["ledger_id"], "digest": digest}, now)
                    return self._result(action, mode, event.event_id, digest, "in_doubt", prior, rule)
                if connector is None:
                    raise _Refused("no_connector")
                if prior is None and guard is not None and \
                        self._outreach_since(conn, call.tenant, guard.ids, guard.since, key) > 0:
                    # Checked again under the write lock: two approvals granted today cannot both deliver.
                    raise _Refused("touched_today")
                approval_id = None
                if token is not None and prior is None:
                    approval_id = self.approvals.consume(conn, token, tenant=call.tenant, digest=digest,
                                                         now=now)["approval_id"]
                elif token is not None and prior is not None and \
                        self.approvals.verify(conn, token, tenant=call.tenant, digest=digest) != prior["approval_id"]:
                    # A retry after a crash or failure must carry the approval that was spent on this key.
                    raise _Refused("approval_mismatch")
                ledger_id = prior["ledger_id"] if prior is not None else self.ledger.begin(
                    conn, key=key, tenant=call.tenant, action=action, contact_id=call.contact_id,
                    channel=rule.channel.value if rule.channel and rule.external else None,
                    approval_id=approval_id, now=now)
                if prior is not None:
                    self.ledger.claim(conn, ledger_id, now)
        except ApprovalError as exc:
            return self._record_refusal(call, action, digest, (exc.code, None), actor, now)
        except _Refused as exc:
            return self._record_refusal(call, action, digest, (exc.code, None), actor, now)

        return self._deliver(call, action, rule, digest, key, ledger_id, connector, now, actor=actor, mode=mode,
                             approval_id=approval_id if prior is None else prior["approval_id"])

    def _deliver(self, call: ToolCall, action: str, rule: ActionRule, digest: str, key: str, ledger_id: str,
                 connector: Connector, now: datetime, *, actor: str, mode: Mode,
                 approval_id: str | None) -> GatewayResult:
        """Run a claimed ledger row's connector and record the outcome; a failure becomes a dead letter
        in the same transaction as the ``failed`` row."""
        permit = ExecutionPermit(action=action, args_digest=args_digest(call.args), ledger_id=ledger_id,
                                 live=mode == Mode.approved_execute and rule.live_flag is not None,
                                 seal=_GATEWAY_SEAL)
        ctx = ConnectorContext(tenant=call.tenant, outbox_dir=self._config.outbox_dir, now=now,
                               timezone=self._config.timezone)
        try:
            delivery = connector.run(permit, call.args, ctx)
        except (GatewayError, ValueError, OSError) as exc:
            masked = self.masker.mask_text(exc.message_en if isinstance(exc, GatewayError) else str(exc))
            code = exc.code if isinstance(exc, GatewayError) else type(exc).__name__.lower()
            with self.store.transaction() as conn:
                self.ledger.finish(conn, ledger_id, ok=False, result={"error": type(exc).__name__}, now=now)
                self._audit(conn, call.tenant, "execution_failed", actor, action,
                            {"ledger_id": ledger_id, "error": masked}, now)
                letter = self.dead_letters.record_failure(
                    conn, tenant=call.tenant, ledger_id=ledger_id, effect_key=key, digest=digest, action=action,
                    skill=call.skill, args=call.args, thread_id=call.thread_id, tool_call_id=call.tool_call_id,
                    contact_id=call.contact_id, approval_id=approval_id, error_code=code, error_message=masked,
                    retry_safe=_nothing_left(connector, ctx, ledger_id), now=now)
                self._audit(conn, call.tenant, "dead_lettered", actor, action, {
                    "letter_id": letter.letter_id, "ledger_id": ledger_id, "attempts": letter.attempts,
                    "status": letter.status, "error_code": code,
                    "next_retry_at": letter.next_retry_at.isoformat() if letter.next_retry_at else None}, now)
            if isinstance(exc, GatewayError):
                # What reaches an API client or a terminal carries no phone number or address either.
                exc.message_en, exc.message_ar = masked, self.masker.mask_text(exc.message_ar)
                exc.args = (masked,)
                raise
            raise ConnectorError("تعذّر تنفيذ الإجراء؛ لم يُرسل شيء ويمكن إعادة المحاولة.",
                                 f"Connector {action} failed: {masked}") from exc
        except BaseException:
            # Dying in a way we can see (interrupt, exit): the row stays "started" for recovery,
            # and the lease goes at once so the retry need not wait for it to expire.
            with self.store.transaction() as conn:
                self.ledger.release(conn, ledger_id)
            raise
        result = {"outbox_path": delivery.outbox_path, "transport": delivery.transport, **delivery.detail}
        with self.store.transaction() as conn:
            self.ledger.finish(conn, ledger_id, ok=True, result=result, now=now)
            event = self._audit(conn, call.tenant, "executed", actor, action, {
                "ledger_id": ledger_id, "digest": digest, "mode": mode.value, "transport": delivery.transport,
                "contact_id": call.contact_id, "thread_id": call.thread_id}, now)
            if rule.proof_impact is not None:
                record_rwu(conn, tenant=call.tenant, type=rule.proof_impact, audit_event=event.event_id,
                           ts=now, ref=ledger_id)
            resolved = self.dead_letters.resolve_ledger(conn, ledger_id, now)
            if resolved is not None:
                self._audit(conn, call.tenant, "dead_letter_resolved", actor, action,
                            {"letter_id": resolved, "ledger_id": ledger_id}, now)
            if approval_id is not None:  # done: its arguments did their work (the outbox holds what left)
                self.approvals.retire(conn, approval_id)
            row = self.ledger.lookup(conn, key)
        assert row is not None
        self._record_touches(call, rule, now)
        return self._result(action, mode, event.event_id, digest, "executed", row, rule)

    def _result(self, action: str, mode: Mode, event_id: str, digest: str, status: ExecutionStatus, row: Row,
                rule: ActionRule) -> GatewayResult:
        msg = self.policy.message("approved") if mode == Mode.approved_execute else rule
        verdict = Verdict(mode=mode, reason_code="approved" if mode == Mode.approved_execute else f"policy_{mode}",
                          reason_ar=msg.reason_ar, reason_en=msg.reason_en,
                          proof_impact=rule.proof_impact if status == "executed" else None)
        result = result_of(row)
        execution = ExecutionResult(status=status,
                                    ledger_id=row["ledger_id"], action=action,
                                    outbox_path=result.get("outbox_path"),
                                    detail={k: v for k, v in result.items() if k != "outbox_path"})
        return GatewayResult(decision=self._decision(action, verdict, event_id, digest, None), execution=execution)

    def _audit(self, conn: Conn, tenant: str, kind: str, actor: str, action: str | None,
               payload: dict[str, Any], now: datetime) -> Any:
        return self.audit.append(conn, tenant=tenant, kind=kind, actor=actor, action=action, payload=payload,
                                 ts=now)


# Refusals that only say "not now": a dead letter retried into them waits without spending an attempt.
_TIMING_REFUSALS = frozenset({"quiet_hours", "frequency_cap", "touched_today"})

_Stage = Literal["decide", "execute"]


@dataclass(frozen=True)
class _DailyGuard:
    """Who an outreach reaches and since when today counts: checked again inside the run's transaction."""

    ids: frozenset[str]
    since: datetime


@dataclass(frozen=True)
class _RecipientView:
    facts: RecipientFacts
    guard: _DailyGuard


@dataclass(frozen=True)
class _Evaluated:
    action: str
    rule: ActionRule
    verdict: Verdict
    digest: str
    recipient: RecipientCheck | None = None
    guard: _DailyGuard | None = None


def _day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of ``now``'s day in ``timezone`` (Asia/Riyadh): where "today" starts for outreach."""
    local = now.astimezone(ZoneInfo(timezone))
    # In the clock's own zone: the ledger stores ``now.isoformat()`` and compares strings.
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


_RECIPIENT_STATUS_AR = {"safe": "آمن للتواصل", "needs_review": "يحتاج مراجعة", "blocked": "ممنوع التواصل"}


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _nothing_left(connector: Connector, ctx: ConnectorContext, ledger_id: str) -> bool:
    """True when a failed run cannot have delivered anything: an idempotent connector (running it again
    under the same ledger id delivers once), or a non-idempotent one that never wrote its outbox file
    (it writes the file before anything leaves the machine)."""
    if connector.idempotent:
        return True
    try:
        return not connector.outbox_file(ctx, ledger_id).exists()
    except (AttributeError, OSError):
        return False


def _channel_name(rule: ActionRule) -> str:
    return rule.channel.value if rule.channel else "-"


_STATUS_AR = {
    "approved": "تمت الموافقة",
    "rejected": "رُفض",
    "consumed": "نُفِّذ",
    "superseded": "عُدِّل",
    "expired": "انتهت صلاحيته",
    "pending": "بانتظار القرار",
}

__all__ = ["Gateway", "GatewayConfig", "LiveFlags", "NotFound"]
