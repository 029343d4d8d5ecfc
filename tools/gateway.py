"""The action-policy gateway: the only path from an agent to a connector.

    agent / skill ──ToolCall──▶ Gateway.invoke ──▶ PolicyDecision (+ audit event, + revenue work unit)
        blocked ............. refused with reason_ar; nothing runs
        suggest/draft_only .. the draft connector runs once per (thread, call, args) via the ledger
        approval_required ... a pending ApprovalRequest; the runtime interrupts for a human
    human ──Gateway.resolve(approval_id, caller, approve|edit|reject)──▶ ApprovalDecision (+ token)
    runtime ──Gateway.execute(call, approval_token)──▶ approved_execute, exactly once

Every method records what it decided in the hash-chained audit log in the same transaction as
the state it changed. Connectors need a permit that only this module can mint.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from tools.approvals import ApprovalBook, row_to_request
from tools.audit import AuditLog
from tools.canonical import action_digest, args_digest, canonical_action
from tools.connectors.base import _GATEWAY_SEAL, Connector, ConnectorContext, ExecutionPermit
from tools.consent import ConsentRegistry, ConsentState, same_address
from tools.errors import ApprovalError, ConnectorError, GatewayError, NotFound, RoleNotAllowed
from tools.ledger import SideEffectLedger, effect_key, result_of
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
    RWUType,
    ToolCall,
)
from tools.pii import PiiMasker
from tools.policy import ActionRule, Facts, Policy, TenantOverlay, Verdict, evaluate
from tools.ratelimit import RateLimiter
from tools.rwu import record_internal_rwus, record_rwu
from tools.saudi_time import Clock, system_clock
from tools.store import Store

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
        self.consent = ConsentRegistry(store)
        self._rates = RateLimiter()

    # ------------------------------------------------------------------ public API
    def set_overlay(self, overlay: TenantOverlay) -> None:
        self._overlays[overlay.tenant] = overlay

    def decide(self, call: ToolCall, *, actor: str = "agent") -> GatewayResult:
        """Decide and record; request an approval when one is needed. Never executes."""
        return self._decide(call, actor=actor, run_drafts=False)

    def invoke(self, call: ToolCall, *, actor: str = "agent") -> GatewayResult:
        """Decide, record, and run the draft connector when the mode lets it run without a human."""
        return self._decide(call, actor=actor, run_drafts=True)

    def resolve(self, approval_id: str, caller: Caller, verdict: ApprovalVerdict, *,
                edited_args: dict[str, Any] | None = None, edited_action: str | None = None,
                reason: str | None = None) -> ApprovalDecision:
        """A human's answer to a pending approval. The caller comes from authentication, not a payload."""
        now = self._clock()
        with self.store.transaction() as conn:
            row = self.approvals.get_row(conn, approval_id, caller.tenant)
            request = row_to_request(row)
            if request.status == "pending" and request.expires_at <= now:
                conn.execute("UPDATE approvals SET status = 'expired' WHERE approval_id = ?", (approval_id,))
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
        action, rule, verdict, digest = self._evaluate(call, now)
        refusal = self._refusal_at_execution(call, action, rule, verdict, now)
        if refusal is not None:
            return self._record_refusal(call, action, digest, refusal, actor, now)
        if verdict.mode != Mode.approval_required:
            # Nothing to approve: the normal path already runs it (or it is blocked).
            return self.invoke(call, actor=actor)
        if not approval_token:
            return self._record_refusal(call, action, digest, ("approval_missing", None), actor, now)
        return self._run(call, action, rule, digest, now, actor=actor, token=approval_token,
                         mode=Mode.approved_execute)

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

    # ------------------------------------------------------------------ deciding
    def _evaluate(self, call: ToolCall, now: datetime,
                  conn: sqlite3.Connection | None = None) -> tuple[str, ActionRule, Verdict, str]:
        """Gather the facts and evaluate; inside ``conn``'s transaction when given (so the rate count
        and the write that follows it cannot interleave with another writer)."""
        action = canonical_action(call.action)
        rule = self.policy.rule(action)
        rate = self.policy.rate_limit(action)
        if conn is None:
            with self.store.read() as read_conn:
                rate_count = self._rates.count(read_conn, tenant=call.tenant, action=action,
                                               channel=_channel_name(rule), now=now, per_seconds=rate.per_seconds)
        else:
            rate_count = self._rates.count(conn, tenant=call.tenant, action=action, channel=_channel_name(rule),
                                           now=now, per_seconds=rate.per_seconds)
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
        )
        verdict = evaluate(self.policy, action, facts)
        digest = action_digest(tenant=call.tenant, skill=call.skill, action=action, args=call.args,
                               policy_version=self.policy.version, contact_id=call.contact_id)
        return action, rule, verdict, digest

    def _consent(self, call: ToolCall, channel: Channel) -> ConsentState | None:
        if call.contact_id is None:
            return None
        return self.consent.state(call.tenant, call.contact_id, channel)

    def _decide(self, call: ToolCall, *, actor: str, run_drafts: bool) -> GatewayResult:
        now = self._clock()
        approval: ApprovalRequest | None = None
        with self.store.transaction() as conn:
            action, rule, verdict, digest = self._evaluate(call, now, conn)
            if verdict.mode != Mode.blocked:
                rate = self.policy.rate_limit(action)
                self._rates.hit(conn, tenant=call.tenant, action=action, channel=_channel_name(rule),
                                now=now, per_seconds=rate.per_seconds)
            if verdict.mode == Mode.approval_required:
                approval = self.approvals.request(
                    conn, call=call.model_copy(update={"action": action}), action=action, digest=digest,
                    policy_version=self.policy.version, approver_roles=verdict.approver_roles,
                    description=self._describe(call, action, rule, verdict), now=now)
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
        executed = self._run(call, action, rule, digest, now, actor=actor, token=None, mode=verdict.mode)
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

    def _describe(self, call: ToolCall, action: str, rule: ActionRule, verdict: Verdict) -> str:
        return _templates.get_template("approval_description.md.j2").render(
            action=action, label_ar=rule.label_ar or action, skill=call.skill, reason_ar=verdict.reason_ar,
            args=self.masker.mask(call.args), contact_id=call.contact_id,
            live_flag=rule.live_flag, roles=[r.value for r in verdict.approver_roles],
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
        action, rule, verdict, digest = self._evaluate(edited, now)
        with self.store.transaction() as conn:
            new_request: ApprovalRequest | None = None
            token: str | None = None
            if verdict.mode != Mode.blocked:
                new_request = self.approvals.request(
                    conn, call=edited.model_copy(update={"action": action}), action=action, digest=digest,
                    policy_version=self.policy.version, approver_roles=verdict.approver_roles,
                    description=self._describe(edited, action, rule, verdict), now=now)
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
             token: str | None, mode: Mode) -> GatewayResult:
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
                if prior is not None and not (connector is not None and connector.idempotent):
                    event = self._audit(conn, call.tenant, "execution_in_doubt", actor, action,
                                        {"ledger_id": prior["ledger_id"], "digest": digest}, now)
                    return self._result(action, mode, event.event_id, digest, "in_doubt", prior, rule)
                if connector is None:
                    raise _Refused("no_connector")
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

        permit = ExecutionPermit(action=action, args_digest=args_digest(call.args), ledger_id=ledger_id,
                                 live=mode == Mode.approved_execute and rule.live_flag is not None,
                                 seal=_GATEWAY_SEAL)
        ctx = ConnectorContext(tenant=call.tenant, outbox_dir=self._config.outbox_dir, now=now,
                               timezone=self._config.timezone)
        try:
            delivery = connector.run(permit, call.args, ctx)
        except (GatewayError, ValueError, OSError) as exc:
            with self.store.transaction() as conn:
                self.ledger.finish(conn, ledger_id, ok=False, result={"error": type(exc).__name__}, now=now)
                self._audit(conn, call.tenant, "execution_failed", actor, action,
                            {"ledger_id": ledger_id, "error": str(exc)}, now)
            if isinstance(exc, GatewayError):
                raise
            raise ConnectorError("تعذّر تنفيذ الإجراء؛ لم يُرسل شيء ويمكن إعادة المحاولة.",
                                 f"Connector {action} failed: {exc}") from exc
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
            row = self.ledger.lookup(conn, key)
        assert row is not None
        return self._result(action, mode, event.event_id, digest, "executed", row, rule)

    def _result(self, action: str, mode: Mode, event_id: str, digest: str, status: ExecutionStatus, row: sqlite3.Row,
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

    def _audit(self, conn: sqlite3.Connection, tenant: str, kind: str, actor: str, action: str | None,
               payload: dict[str, Any], now: datetime) -> Any:
        return self.audit.append(conn, tenant=tenant, kind=kind, actor=actor, action=action, payload=payload,
                                 ts=now)


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
