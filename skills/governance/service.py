"""One tenant's governance desk: the four surfaces behind the API, the CLI and the console."""

from __future__ import annotations

from datetime import date

from skills.governance.catalog import GovernanceFile, Surface, load_governance
from skills.governance.compliance import ComplianceChecker
from skills.governance.connectors import ConnectorGovernance
from skills.governance.contradictions import ContradictionEngine
from skills.governance.executive import ExecutiveRoomService
from skills.governance.forecast import ForecastService
from skills.governance.models import (
    ApprovalCentre,
    ComplianceReport,
    ConnectorReport,
    ContradictionReport,
    ExecutiveRoom,
    ForecastReport,
    Granularity,
    SweepReport,
)
from skills.governance.sla import ApprovalCentreService
from tools.gateway import Gateway
from tools.models import Role
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


class GovernanceDesk:
    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock,
                 config: GovernanceFile | None = None) -> None:
        if not tenant:
            raise ValueError("a governance desk needs a tenant")
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock
        self.config = config or load_governance()

    def may_open(self, surface: Surface, role: Role) -> bool:
        return self.config.may_open(surface, role)

    def approvals(self) -> ApprovalCentre:
        return self._centre().centre()

    def sweep(self) -> SweepReport:
        return self._centre().sweep()

    def contradictions(self, *, publish: bool = False) -> ContradictionReport:
        return ContradictionEngine(self.tenant, gateway=self.gateway, settings=self.settings, clock=self.clock,
                                   config=self.config).report(publish=publish)

    def compliance(self) -> ComplianceReport:
        return ComplianceChecker(self.tenant, gateway=self.gateway, settings=self.settings, clock=self.clock).report()

    def executive_room(self) -> ExecutiveRoom:
        return ExecutiveRoomService(self.tenant, gateway=self.gateway, settings=self.settings, clock=self.clock,
                                    config=self.config).room()

    def forecast(self, granularity: Granularity = "week", start: date | None = None,
                 end: date | None = None) -> ForecastReport:
        return ForecastService(self.tenant, gateway=self.gateway, settings=self.settings,
                               clock=self.clock).report(granularity, start, end)

    def connectors(self) -> ConnectorReport:
        return ConnectorGovernance(self.tenant, gateway=self.gateway, settings=self.settings, clock=self.clock).report()

    def _centre(self) -> ApprovalCentreService:
        return ApprovalCentreService(self.tenant, gateway=self.gateway, clock=self.clock, config=self.config)


def build_desk(settings: Settings, tenant: str = "default", *, gateway: Gateway,
               clock: Clock = system_clock) -> GovernanceDesk:
    """A desk on the configured data dir and the shell's gateway (the CLI's entry point)."""
    settings.ensure_data_dir()
    return GovernanceDesk(tenant, gateway=gateway, settings=settings, clock=clock)
