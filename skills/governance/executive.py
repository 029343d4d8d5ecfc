"""The executive room (ceo): one view of what needs a decision, what is at risk and whether Dealix is
healthy and compliant.

    decisions today ....... approval decisions of this Riyadh day (audit log)
    approvals ............. waiting, and those breaching their SLA (approval centre)
    top risks ............. contradictions, highest likelihood x impact first
    proof this week ....... revenue work units of the Saudi working week so far (proof ledger)
    compliance ............ controls met / gap / no data (compliance matrix)
    heatmap ............... open risks (contradictions and SLA breaches) by likelihood x impact
    violations board ...... blocked attempts by action, by skill and by the gateway's reason code
    model health .......... ok / degraded (calls fell back) / no_data over 7 days (model-routing view)
    forecast vs actual .... the weighted pipeline forecast by Riyadh week against the proof ledger (forecast.py)
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from skills.cards.factory import is_blocked_event
from skills.governance.auditlog import tenant_events
from skills.governance.catalog import GovernanceFile, load_governance
from skills.governance.compliance import ComplianceChecker
from skills.governance.contradictions import ContradictionEngine
from skills.governance.forecast import ForecastService
from skills.governance.models import ExecutiveRoom, ForecastReport, HeatCell, ProofWeek, Tally, ViolationsBoard
from skills.governance.routing import ModelRoutingView
from skills.governance.sla import ApprovalCentreService
from skills.proof.ledger import ProofLedger
from skills.proof.period import Period, today_riyadh
from tools.gateway import Gateway
from tools.saudi_time import RIYADH, Clock, system_clock
from tools.settings import Settings

TOP_RISKS = 5
BOARD_ROWS = 10


class ExecutiveRoomService:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 config: GovernanceFile | None = None) -> None:
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.config = config or load_governance()

    def room(self) -> ExecutiveRoom:
        now = self.clock()
        centre = ApprovalCentreService(self.tenant, gateway=self.gateway, clock=self.clock, config=self.config)
        pending = centre.pending()
        breaching = [v for v in pending if v.breached]
        today = now.astimezone(RIYADH).date()
        decisions = [d for d in centre.decisions(limit=500) if d.decided_at.astimezone(RIYADH).date() == today]
        risks = ContradictionEngine(self.tenant, gateway=self.gateway, settings=self.settings, clock=self.clock,
                                    config=self.config).find()
        risks.sort(key=lambda c: (-c.likelihood * c.impact, c.kind, c.ref))
        compliance = ComplianceChecker(self.tenant, gateway=self.gateway, settings=self.settings,
                                       clock=self.clock).report()
        cells: Counter[tuple[int, int]] = Counter((c.likelihood, c.impact) for c in risks)
        if breaching:
            sla_cell = self.config.risk_matrix["approval_sla_breach"]
            cells[(sla_cell.likelihood, sla_cell.impact)] += len(breaching)
        return ExecutiveRoom(
            generated_at=now, decisions_today=decisions, approvals_waiting=len(pending),
            approvals_breaching=breaching, top_risks=risks[:TOP_RISKS], contradictions=len(risks),
            proof_week=self.proof_week(), compliance={"met": compliance.met, "gap": compliance.gaps,
                                                      "no_data": compliance.no_data},
            compliance_gaps=[c.id for c in compliance.controls if c.status == "gap"],
            heatmap=[HeatCell(likelihood=lk, impact=im, count=n) for (lk, im), n in sorted(cells.items())],
            violations=self.violations(), forecast=self.forecast(),
            model_health=ModelRoutingView(self.tenant, gateway=self.gateway, settings=self.settings,
                                          clock=self.clock).report().health,
        )

    def forecast(self) -> ForecastReport:
        """Forecast vs actual by Riyadh week: the default window around this week."""
        return ForecastService(self.tenant, gateway=self.gateway, settings=self.settings,
                               clock=self.clock).report("week")

    def proof_week(self) -> ProofWeek:
        """The Saudi working week so far: from the last Sunday (Riyadh) through today."""
        today = today_riyadh(self.clock())
        start = today - timedelta(days=(today.weekday() + 1) % 7)
        units = ProofLedger(self.gateway.store).units(self.tenant, Period(start=start, end=today))
        counts = Counter(u.type.value for u in units)
        return ProofWeek(start=start, end=today, units=len(units), by_type=_tallies(counts))

    def violations(self) -> ViolationsBoard:
        actions: Counter[str] = Counter()
        skills: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for event in tenant_events(self.gateway.audit, self.tenant,
                                   kinds=frozenset({"decision", "execution_refused"})):
            if not is_blocked_event(event):
                continue
            actions[str(event.payload.get("requested_action") or event.action or "?")] += 1
            skills[str(event.payload.get("skill") or "?")] += 1
            sources[str(event.payload.get("reason_code") or "blocked_by_policy")] += 1
        return ViolationsBoard(total=sum(actions.values()), by_action=_tallies(actions), by_skill=_tallies(skills),
                               by_source=_tallies(sources))


def _tallies(counts: Counter[str]) -> list[Tally]:
    ordered = sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:BOARD_ROWS]
    return [Tally(key=k, count=n) for k, n in ordered]
