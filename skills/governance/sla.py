"""The approval centre: every pending approval with its age, risk and SLA in Saudi business time.

    risk of an action (policy) ... high: external behind a live flag; medium: external; low: internal
    SLA (data/governance.yaml) ... business minutes per risk level, Sun–Thu 09:00–18:00 Riyadh minus
                                   the public holidays (skills.support.business_time)
    breach ....................... a risk card to the next role (escalation table), through CardService
    expiry ....................... the gateway's rule: an approval past its expiry is a denial; the sweep
                                   marks it expired and records ``approval_expired`` in the audit log
    decisions .................... approver, time and reason from the audit log (approval_* events)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from skills.cards.factory import CardFactory
from skills.cards.models import Card, CardType
from skills.cards.service import CardService
from skills.governance.auditlog import tenant_events
from skills.governance.catalog import GovernanceFile, load_governance
from skills.governance.models import (
    ApprovalCentre,
    ApprovalSla,
    Bucket,
    DecisionRecord,
    RiskLevel,
    SweepReport,
    Verdict,
)
from skills.support.business_time import BusinessCalendar, default_calendar
from tools.gateway import Gateway
from tools.models import ApprovalRequest
from tools.policy import Policy
from tools.saudi_time import Clock, system_clock

DECISION_KINDS: dict[str, Verdict] = {"approval_approved": "approved", "approval_rejected": "rejected",
                                      "approval_edited": "edited", "approval_expired": "expired"}
SWEEP_ACTOR = "governance"


def action_risk(policy: Policy, action: str) -> RiskLevel:
    """The same reading of risk as the approval card: live-flagged external high, external medium."""
    rule = policy.rule(action)
    external = rule.external or not policy.is_known(action)
    return "high" if external and rule.live_flag else "medium" if external else "low"


class ApprovalCentreService:
    def __init__(self, tenant: str, *, gateway: Gateway, clock: Clock = system_clock,
                 calendar: BusinessCalendar | None = None, config: GovernanceFile | None = None) -> None:
        self.tenant = tenant
        self.gateway = gateway
        self.clock = clock
        self.calendar = calendar or default_calendar()
        self.config = config or load_governance()

    # ------------------------------------------------------------------ reading
    def view(self, approval: ApprovalRequest) -> ApprovalSla:
        now = self.clock()
        action = approval.action_request.action
        risk = action_risk(self.gateway.policy, action)
        sla = self.config.sla_for(risk)
        due = self.calendar.add_minutes(approval.requested_at, sla)
        breached = now >= due
        owner = approval.approver_roles[0] if approval.approver_roles else None
        return ApprovalSla(
            approval_id=approval.approval_id, action=action,
            action_label_ar=self.gateway.policy.rule(action).label_ar or action, skill=approval.skill,
            thread_id=approval.thread_id, approver_roles=approval.approver_roles, risk_level=risk,
            requested_at=approval.requested_at, expires_at=approval.expires_at,
            age_business_minutes=int(self.calendar.minutes_between(approval.requested_at, now)),
            sla_business_minutes=sla, due_at=due, breached=breached,
            escalate_to=self.config.next_role(owner) if breached and owner is not None else None,
        )

    def pending(self) -> list[ApprovalSla]:
        return [self.view(a) for a in self.gateway.pending_approvals(self.tenant)]

    def decisions(self, *, limit: int = 50) -> list[DecisionRecord]:
        records = [
            DecisionRecord(
                approval_id=_str(e.payload.get("approval_id")), action=e.action, verdict=DECISION_KINDS[e.kind],
                denied=DECISION_KINDS[e.kind] in ("rejected", "expired"), decided_by=e.actor, decided_at=e.ts,
                reason=_str(e.payload.get("reason")), audit_event=e.event_id)
            for e in tenant_events(self.gateway.audit, self.tenant, kinds=frozenset(DECISION_KINDS))
        ]
        records.reverse()
        return records[:limit]

    def centre(self, *, decisions: int = 50) -> ApprovalCentre:
        pending = self.pending()
        return ApprovalCentre(
            generated_at=self.clock(), sla_version=self.config.version, pending=pending,
            breached=sum(v.breached for v in pending),
            by_role=_buckets(pending, lambda v: [r.value for r in v.approver_roles]),
            by_action=_buckets(pending, lambda v: [v.action]),
            by_risk=_buckets(pending, lambda v: [v.risk_level]),
            decisions=self.decisions(limit=decisions),
        )

    # ------------------------------------------------------------------ acting
    def sweep(self, *, publish: bool = True) -> SweepReport:
        """Expire what is past its expiry (a denial, audited), then escalate each breached approval."""
        expired = self.expire_due()
        breached = [v for v in self.pending() if v.breached]
        cards = [self.escalation_card(v) for v in breached]
        published = 0
        if publish and cards:
            report = CardService(self.tenant, gateway=self.gateway, clock=self.clock).publish(cards)
            published = report.new
        return SweepReport(escalated=[v.approval_id for v in breached], cards_published=published, expired=expired)

    def expire_due(self) -> list[str]:
        now = self.clock()
        done: list[str] = []
        with self.gateway.store.transaction() as conn:
            rows = conn.execute(
                "SELECT approval_id, action FROM approvals WHERE tenant = ? AND status = 'pending'"
                " AND expires_at <= ? ORDER BY expires_at, approval_id", (self.tenant, now.isoformat())).fetchall()
            for row in rows:
                if self.gateway.approvals.expire(conn, row["approval_id"]):
                    self.gateway.audit.append(conn, tenant=self.tenant, kind="approval_expired", actor=SWEEP_ACTOR,
                                              action=row["action"], ts=now,
                                              payload={"approval_id": row["approval_id"],
                                                       "reason": self.config.texts.expired_verdict})
                    done.append(row["approval_id"])
        return done

    def escalation_card(self, view: ApprovalSla) -> Card:
        texts = self.config.texts
        factory = CardFactory(self.tenant, policy=self.gateway.policy, clock=self.clock)
        return factory.domain_card(
            CardType.risk, ref=f"sla:{view.approval_id}", role=view.escalate_to, risk_level=view.risk_level,
            title_ar=texts.sla_title.format(action_label=view.action_label_ar),
            why_now_ar=texts.sla_why_now.format(age=_hours(view.age_business_minutes),
                                                sla=_hours(view.sla_business_minutes),
                                                risk=texts.risk[view.risk_level]),
            recommended_action_ar=texts.sla_recommend.format(expires=factory.texts.when(view.expires_at)),
            thread_id=view.thread_id, skill=view.skill, due_at=view.expires_at, urgency=90,
            dedupe_key=f"sla:{view.approval_id}",
            facts={texts.fact_approval: view.approval_id,
                   texts.fact_waiting_for: "، ".join(r.value for r in view.approver_roles)},
        )


def _buckets(views: list[ApprovalSla], keys: Callable[[ApprovalSla], Iterable[str]]) -> list[Bucket]:
    pending: Counter[str] = Counter()
    breached: Counter[str] = Counter()
    for view in views:
        for name in keys(view):
            pending[name] += 1
            breached[name] += int(view.breached)
    ordered = sorted(pending.items(), key=lambda i: (-i[1], i[0]))
    return [Bucket(key=k, pending=n, breached=breached[k]) for k, n in ordered]


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
