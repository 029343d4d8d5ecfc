"""The Targeting OS as one service: import -> normalise -> dedupe -> contactability -> rank -> select.

This is what the targeting_analyst skill, the API and the CLI call. Dependencies are injected:
the repository, the consent registry (from the gateway's store), a clock and business hours.
Import, ranking and selection are internal reads and writes; nothing here contacts anyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.bulk import paused_gc
from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.channels import ChannelAdvisor
from skills.targeting.committee import committee_role
from skills.targeting.contactability import ConsentLookup, ContactabilityJudge, status_counts
from skills.targeting.dedupe import company_groups, find_duplicates
from skills.targeting.enrich import enrich
from skills.targeting.importer import import_file
from skills.targeting.models import ImportReport, Lead, MergeRecord, Target
from skills.targeting.ranking import Icp, Scorer, rank
from skills.targeting.readers import Progress
from skills.targeting.records import trusted
from skills.targeting.repository import TargetingRepository
from skills.targeting.reputation import ReputationGuard
from skills.targeting.selection import DailySelection, daily_selection
from skills.targeting.signals import detect_signals
from tools.saudi_time import BusinessHours


class RankResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    catalog_digest: str = Field(description="Digest of the data files (weights, keywords) used.")
    policy_version: str
    total_leads: int
    targets: list[Target]


class TargetingService:
    def __init__(
        self,
        repository: TargetingRepository,
        consent: ConsentLookup,
        *,
        tenant: str,
        clock: Callable[[], datetime],
        hours: BusinessHours | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.repository, self.consent, self.tenant, self.clock = repository, consent, tenant, clock
        self.hours = hours or BusinessHours()
        self.catalog = catalog or load_catalog()

    # -- import and dedupe ----------------------------------------------------------------------
    def import_file(self, path: Path, *, file_name: str | None = None, progress: Progress | None = None
                    ) -> ImportReport:
        """Import one file, merge duplicates (against everything stored), count contactability."""
        report = import_file(path, tenant=self.tenant, repository=self.repository, clock=self.clock,
                             file_name=file_name, progress=progress, catalog=self.catalog)
        merges = self.dedupe()
        leads = self.repository.leads(self.tenant, active_only=False)
        mine = [lead for lead in leads if lead.import_id == report.import_id]
        merged_ids = {m.merged_id for m in self.repository.merges(self.tenant)}
        judge, merged_into = self._judge(leads)
        verdicts = [judge.judge(lead, merged_into.get(lead.lead_id, ())) for lead in mine
                    if lead.lead_id not in merged_ids]
        report = report.model_copy(update={"merges": merges, "contactability": status_counts(verdicts)})
        self.repository.update_import_report(report)
        return report

    def dedupe(self) -> list[MergeRecord]:
        """Find and record new merges among active leads; returns the merges made now."""
        active = self.repository.leads(self.tenant)
        kept = {m.kept_id for m in self.repository.merges(self.tenant)}
        result = find_duplicates(active, now=self.clock(), vetoes=self.repository.merge_vetoes(self.tenant),
                                 keep_first=kept, catalog=self.catalog)
        return self.repository.record_merges(self.tenant, result.merges)

    def unmerge(self, merge_id: str) -> MergeRecord:
        return self.repository.unmerge(self.tenant, merge_id, self.clock())

    # -- contactability, ranking and selection ------------------------------------------------------
    def _judge(self, leads: list[Lead], *, companies: dict[str, str] | None = None,
               merges: list[MergeRecord] | None = None) -> tuple[ContactabilityJudge, dict[str, list[Lead]]]:
        now = self.clock()
        by_id = {lead.lead_id: lead for lead in leads}
        merged_into: dict[str, list[Lead]] = defaultdict(list)
        for m in merges if merges is not None else self.repository.merges(self.tenant):
            if m.merged_id in by_id:
                merged_into[m.kept_id].append(by_id[m.merged_id])
        guard = self._guard(leads, now, companies)
        judge = ContactabilityJudge(tenant=self.tenant, consent=self.consent,
                                    do_not_contact=self.repository.do_not_contact(self.tenant),
                                    reputation=guard, now=now, hours=self.hours, catalog=self.catalog)
        judge.prefetch(by_id)
        return judge, merged_into

    def _guard(self, leads: list[Lead], now: datetime, companies: dict[str, str] | None = None) -> ReputationGuard:
        since = now - timedelta(days=max(self.catalog.policy.reputation.cooldown_days, 7))
        return ReputationGuard(self.repository.touches(self.tenant, since), now=now,
                               company_of=companies if companies is not None else company_groups(leads),
                               catalog=self.catalog)

    def targets(self, icp: Icp | None = None, *, leads: list[Lead] | None = None) -> list[Target]:
        """Every active lead as a scored target, ranked. ``leads``: all stored leads, if already loaded."""
        with paused_gc():
            return self._targets(icp or Icp.default(self.catalog), leads)

    def _targets(self, icp: Icp, leads: list[Lead] | None) -> list[Target]:
        leads = leads if leads is not None else self.repository.leads(self.tenant, active_only=False)
        merges = self.repository.merges(self.tenant)
        companies = company_groups(leads)
        judge, merged_into = self._judge(leads, companies=companies, merges=merges)
        merged_ids = {m.merged_id for m in merges}
        scorer, advisor = Scorer(icp, self.catalog), ChannelAdvisor(self.catalog)
        targets = []
        for lead in leads:
            if lead.lead_id in merged_ids:
                continue
            members = merged_into.get(lead.lead_id, [])
            contactability = judge.judge(lead, members)
            enrichment = enrich(lead)
            role = committee_role(lead.title)
            signals = detect_signals(lead)
            for member in members:  # a merged duplicate's notes still count
                known = {s.kind for s in signals}
                signals += [s for s in detect_signals(member) if s.kind not in known]
            targets.append(trusted(  # built from the records above, each typed: not validated again
                Target, lead_id=lead.lead_id, company_name=lead.company_name, contact_name=lead.contact_name,
                title=lead.title, role=role, city_id=lead.city_id, company_id=companies[lead.lead_id],
                enrichment=enrichment, contactability=contactability, signals=signals,
                channel=advisor.recommend(lead, contactability, role),
                score=scorer.score(lead, enrichment=enrichment, role=role, signals=signals,
                                   contactability=contactability),
                risk=scorer.risk(lead, signals, contactability, role),
                merged_ids=sorted(m.lead_id for m in members),
            ))
        return rank(targets)

    def rank(self, *, top: int | None = None, icp: Icp | None = None,
             ranked: list[Target] | None = None) -> RankResult:
        """The ranked targets (computed now unless ``ranked`` from :meth:`targets` is passed)."""
        ranked = ranked if ranked is not None else self.targets(icp)
        return RankResult(generated_at=self.clock(), catalog_digest=self.catalog.digest,
                          policy_version=self.catalog.policy.version, total_leads=len(ranked),
                          targets=ranked[:top] if top else ranked)

    def daily(self, *, icp: Icp | None = None, ranked: list[Target] | None = None,
              top: int | None = None) -> DailySelection:
        """Today's selection (from ``ranked`` if given, so one ranking serves both calls); ``top`` picks
        that many (the pool grows to hold them), else the policy's number."""
        ranked = ranked if ranked is not None else self.targets(icp)
        now = self.clock()
        company_of = {t.lead_id: t.company_id for t in ranked}
        company_of.update({m: t.company_id for t in ranked for m in t.merged_ids})
        since = now - timedelta(days=max(self.catalog.policy.reputation.cooldown_days, 7))
        guard = ReputationGuard(self.repository.touches(self.tenant, since), now=now, company_of=company_of,
                                catalog=self.catalog)
        pool_size = max(self.catalog.policy.selection.pool_size, top) if top else None
        return daily_selection(ranked, guard, pool_size=pool_size, top=top, catalog=self.catalog)
