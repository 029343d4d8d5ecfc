"""Builds a tenant's proof pack for a period from the ledger, and records it through the gateway.

The pack is computed from revenue work units and the audit events they name (never from anything a
caller passes in), then recorded as one ``proof.pack_build`` call by the ``proof_pack_builder``
skill: the gateway writes its audit event and the ``proof_generated`` work unit in one transaction,
and the pack carries that event's id.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from skills.proof.advice import next_action, upgrade_path
from skills.proof.catalog import Assumptions, ProofTexts, default_assumptions, load_texts
from skills.proof.errors import PackRefused
from skills.proof.estimate import estimate as estimate_revenue
from skills.proof.estimate import invoice_subtotal_sar, money
from skills.proof.ledger import LedgerEntry, ProofLedger, entry_for
from skills.proof.models import (
    ApprovalSection,
    AuditStatus,
    PendingApprovalView,
    PeriodView,
    ProofPack,
    ProtectedSection,
    ProtectionLine,
    WorkLine,
)
from skills.proof.period import Period, both_calendars_ar, default_period, moment_ar
from tools.canonical import sha256_hex
from tools.gateway import Gateway
from tools.models import ApprovalRequest, AuditEvent, Mode, RWUType, ToolCall
from tools.saudi_time import Clock, system_clock

CREATED: tuple[RWUType, ...] = (
    RWUType.opportunity_created, RWUType.target_ranked, RWUType.draft_created, RWUType.meeting_drafted,
    RWUType.followup_created, RWUType.payment_link_drafted, RWUType.approval_collected,
    RWUType.partner_suggested, RWUType.support_ticket_resolved, RWUType.proof_generated,
)
PROTECTED: tuple[RWUType, ...] = (RWUType.risk_blocked, RWUType.contact_blocked, RWUType.deal_risk_detected)
NO_OPT_IN = frozenset({"no_opt_in", "recipient_not_opted_in"})
MAX_LISTED_APPROVALS = 20
MAX_TRACE_EVENTS = 10
SKILL = "proof_pack_builder"
ACTION = "proof.pack_build"


class ProofPackBuilder:
    def __init__(self, gateway: Gateway, *, clock: Clock = system_clock,
                 assumptions: Assumptions | None = None, texts: ProofTexts | None = None) -> None:
        self.gateway = gateway
        self.ledger = ProofLedger(gateway.store)
        self.clock = clock
        self.assumptions = assumptions or default_assumptions()
        self.texts = texts or load_texts()

    def build(self, tenant: str, period: Period | None = None, *, actor: str = "agent",
              record: bool = True) -> ProofPack:
        """The pack for ``tenant`` (default: the last seven Riyadh days), recorded unless ``record=False``."""
        now = self.clock()
        period = period or default_period(now)
        units = self.ledger.units(tenant, period)
        events = self.ledger.events_by_id(tenant, (u.audit_event for u in units))
        entries = [entry_for(u, events.get(u.audit_event)) for u in units]
        invoices = self.ledger.execution_results(
            tenant, (e.ref for e in entries if e.type == RWUType.payment_link_drafted and e.ref))
        pending = self._pending(tenant, period)
        report = self.gateway.audit.verify()
        events_in_period = self.ledger.count_events(tenant, period)

        created = self._created(entries, events, invoices)
        protected = self._protected(entries)
        metrics = self._metrics(entries, protected, len(pending), report.ok, events_in_period)
        next_expiry = moment_ar(pending[0].expires_at, self.texts) if pending else "-"
        generated_ar = moment_ar(now, self.texts)
        pack = ProofPack(
            pack_id="pp_" + sha256_hex(f"{tenant}|{period.start}|{period.end}|{now.isoformat()}")[:16],
            tenant=tenant,
            period=PeriodView(start=period.start, end=period.end, start_ar=both_calendars_ar(period.start, self.texts),
                              end_ar=both_calendars_ar(period.end, self.texts)),
            generated_at=now, generated_ar=generated_ar, policy_version=self.gateway.policy.version,
            created=created, created_total=sum(line.count for line in created),
            protected=protected,
            awaiting_approval=ApprovalSection(
                count=len(pending), items=[self._approval_view(a) for a in pending[:MAX_LISTED_APPROVALS]],
                more=max(0, len(pending) - MAX_LISTED_APPROVALS)),
            revenue_estimate=estimate_revenue(entries, invoices, self.assumptions, self.texts),
            next_action=next_action(metrics, next_expiry=next_expiry),
            upgrade_path=upgrade_path(metrics),
            audit=AuditStatus(
                chain_ok=report.ok, events_checked=report.events_checked, problem=report.problem,
                events_in_period=events_in_period,
                summary_ar=(self.texts.label("chain_ok", events=report.events_checked) if report.ok
                            else self.texts.label("chain_bad", problem=report.problem))),
        )
        return self._record(pack, actor) if record else pack

    # ------------------------------------------------------------------ sections
    def _created(self, entries: list[LedgerEntry], events: dict[str, AuditEvent],
                 invoices: dict[str, dict[str, object]]) -> list[WorkLine]:
        by_type: dict[RWUType, list[LedgerEntry]] = defaultdict(list)
        for entry in entries:
            by_type[entry.type].append(entry)
        lines = []
        for unit_type in CREATED:
            members = by_type.get(unit_type, [])
            if not members:
                continue
            detail = None
            if unit_type == RWUType.target_ranked:
                ranked = sum(_ranked_count(events.get(m.audit_event)) for m in members)
                detail = self.texts.label("ranked_leads", count=ranked) if ranked else None
            elif unit_type == RWUType.payment_link_drafted:
                amounts = [invoice_subtotal_sar(invoices.get(m.ref or "", {})) for m in members]
                known = [a for a in amounts if a is not None]
                detail = self.texts.label("invoice_value", amount=money(sum(known))) if known else None
            trace = sorted({m.audit_event for m in members},
                           key=lambda e: (events[e].seq if e in events else 0, e))[:MAX_TRACE_EVENTS]
            label = self.texts.rwu[unit_type]
            lines.append(WorkLine(type=unit_type, label_ar=label.ar, label_en=label.en, count=len(members),
                                  detail_ar=detail, audit_events=trace))
        return lines

    def _protected(self, entries: list[LedgerEntry]) -> ProtectedSection:
        reasons: Counter[str] = Counter()
        counts: Counter[RWUType] = Counter()
        opt_outs = 0
        for entry in entries:
            if entry.type not in PROTECTED:
                continue
            counts[entry.type] += 1
            if entry.type == RWUType.deal_risk_detected:
                continue
            code = entry.reason_code or "other"
            reasons[code] += 1
            if entry.type == RWUType.contact_blocked and code == "opt_out":
                opt_outs += 1
        lines = [ProtectionLine(reason_code=code, label_ar=self.texts.protection_label(code), count=n)
                 for code, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))]
        return ProtectedSection(
            total=sum(counts.values()), risks_blocked=counts[RWUType.risk_blocked],
            contacts_protected=counts[RWUType.contact_blocked], opt_outs_honoured=opt_outs,
            deal_risks_detected=counts[RWUType.deal_risk_detected], lines=lines)

    def _pending(self, tenant: str, period: Period) -> list[ApprovalRequest]:
        _, until = period.bounds()
        pending = [a for a in self.gateway.pending_approvals(tenant) if a.requested_at < until]
        return sorted(pending, key=lambda a: (a.expires_at, a.approval_id))

    def _approval_view(self, approval: ApprovalRequest) -> PendingApprovalView:
        rule = self.gateway.policy.rule(approval.action_request.action)
        return PendingApprovalView(
            approval_id=approval.approval_id, action=approval.action_request.action,
            label_ar=rule.label_ar or approval.action_request.action, requested_at=approval.requested_at,
            expires_at=approval.expires_at, expires_ar=moment_ar(approval.expires_at, self.texts),
            approver_roles=list(approval.approver_roles),
            approver_roles_ar=[self.texts.roles[r] for r in approval.approver_roles])

    @staticmethod
    def _metrics(entries: list[LedgerEntry], protected: ProtectedSection, pending: int, chain_ok: bool,
                 events_in_period: int) -> dict[str, float]:
        counts = Counter(e.type.value for e in entries)
        metrics: dict[str, float] = {t.value: counts.get(t.value, 0) for t in RWUType}
        metrics.update(
            pending_approvals=pending, audit_chain_ok=1 if chain_ok else 0, events_in_period=events_in_period,
            opt_outs_honoured=protected.opt_outs_honoured,
            no_opt_in_blocks=sum(line.count for line in protected.lines if line.reason_code in NO_OPT_IN),
        )
        return metrics

    # ------------------------------------------------------------------ recording
    def _record(self, pack: ProofPack, actor: str) -> ProofPack:
        # The pack's digest rides in tool_call_id, which the audit log keeps unmasked (a hex digest in
        # the masked arguments could lose a long digit run to the PII masker).
        digest = sha256_hex(pack.model_dump_json())
        result = self.gateway.invoke(ToolCall(
            tenant=pack.tenant, skill=SKILL, action=ACTION, thread_id=pack.pack_id,
            tool_call_id=f"{SKILL}:{digest}", args={"period_start": pack.period.start.isoformat(),
                                                     "period_end": pack.period.end.isoformat()},
        ), actor=actor)
        if result.decision.mode == Mode.blocked:
            raise PackRefused(result.decision.reason_ar, result.decision.reason_en)
        return pack.model_copy(update={"audit_event": result.decision.audit_event})


def _ranked_count(event: AuditEvent | None) -> int:
    args = event.payload.get("args") if event is not None else None
    ranked = args.get("ranked") if isinstance(args, dict) else None
    return ranked if isinstance(ranked, int) and not isinstance(ranked, bool) and ranked > 0 else 0

