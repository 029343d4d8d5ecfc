"""The growth loop of one tenant: outcomes in, experiments, scores and the weekly learning report out.

What the API, the CLI and the daily plan call. Dependencies are injected: the growth store, the
gateway (its ledger is read for the scores; experiment events are recorded through it) and a clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from skills.growth.calendar import local_day, week_start, week_window
from skills.growth.catalog import GrowthCatalog, load_growth_catalog
from skills.growth.experiments import ExperimentService
from skills.growth.ledger import collect
from skills.growth.models import OutcomeRecord, Scorecard, WeeklyReport
from skills.growth.repository import GrowthRepository, dedupe_key
from skills.growth.scores import score_card
from skills.growth.weekly import WeeklyReportBuilder
from tools.gateway import Gateway
from tools.saudi_time import system_clock
from tools.settings import Settings


class GrowthService:
    def __init__(self, repository: GrowthRepository, gateway: Gateway, *, tenant: str,
                 clock: Callable[[], datetime] = system_clock, catalog: GrowthCatalog | None = None) -> None:
        self.repository, self.gateway, self.tenant, self.clock = repository, gateway, tenant, clock
        self.catalog = catalog or load_growth_catalog()
        self.experiments = ExperimentService(repository, gateway, tenant=tenant, clock=clock, catalog=self.catalog)

    def record_outcomes(self, records: Sequence[OutcomeRecord]) -> int:
        """Store outcomes; the same record sent twice is stored once. Returns how many were new."""
        keyed = [(dedupe_key("api", hashlib.sha256(r.model_dump_json().encode()).hexdigest()), r) for r in records]
        return self.repository.add_outcomes(self.tenant, keyed)

    def scorecard(self, start: datetime, end: datetime) -> Scorecard:
        return score_card(collect(self.gateway, self.tenant, start, end), self.catalog)

    def weekly_report(self, week_of: date | None = None) -> WeeklyReport:
        """The report of the Sunday-to-Saturday week holding ``week_of`` (default: this week, Riyadh)."""
        now = self.clock()
        day = week_of or local_day(now)
        start, end = week_window(day)
        analyses = [self.experiments.analyse(e.experiment_id) for e in self.experiments.experiments()]
        return WeeklyReportBuilder(tenant=self.tenant, catalog=self.catalog).build(
            week_start=week_start(day), outcomes=self.repository.outcomes(self.tenant, start, end),
            facts=collect(self.gateway, self.tenant, start, end), analyses=analyses, now=now)


def growth_db_path(settings: Settings) -> Path:
    return settings.data_dir / "growth.db"


def build_growth_service(settings: Settings, *, tenant: str, gateway: Gateway,
                         clock: Callable[[], datetime] = system_clock) -> GrowthService:
    settings.ensure_data_dir()
    return GrowthService(GrowthRepository(growth_db_path(settings)), gateway,
                         tenant=tenant, clock=clock)


__all__ = ["GrowthService", "build_growth_service", "growth_db_path"]
