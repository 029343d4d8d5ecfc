"""Forecast vs actual: the weighted pipeline forecast by period, against what the proof ledger recorded.

    forecast ...... Σ value × stage probability (per track, ``skills/pipeline/data/stages.yaml``) of the
                    open deals expected to close in the period, each as the deal book held it when the
                    period began (a deal first recorded later in the period: as first recorded; a period
                    not begun yet: the book now), so a deal moved out of the period still counts as slipped
    actual ........ the invoice drafts in the proof ledger (``payment_link_drafted`` units, the subtotal
                    before VAT from their execution) recorded in the period, Riyadh time
    gap ........... actual − forecast, in SAR and as a share of the forecast
    explanation ... forecast deals won in the period, slipped (not won in it), lost, still open; deals won
                    that were not forecast; and the deal book's won value beside the ledger's

Weeks start on Sunday and months on the 1st, both in Asia/Riyadh (``periods.py``). Everything here
reads; nothing writes. :func:`build_report` is pure (revisions and invoices in, report out).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from skills.governance import periods as P
from skills.governance.catalog import ForecastFile, Label, load_forecast
from skills.governance.models import DealLine, ForecastPeriod, ForecastReport, Granularity, PeriodState, StageLine
from skills.partners.factory import partners_db_path
from skills.partners.repository import PartnerRepository
from skills.pipeline.book import DealBook, DealRevision, pipeline_db_path
from skills.pipeline.stages import TRACKS, StagesFile, Track, load_stages
from skills.proof.catalog import load_texts
from skills.proof.estimate import invoice_subtotal_sar
from skills.proof.ledger import ProofLedger
from skills.proof.period import checked_period, gregorian_ar
from tools.gateway import Gateway
from tools.models import RWUType
from tools.rwu import list_rwus
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings
from tools.store import store_exists

MAX_NAMES = 8


@dataclass(frozen=True)
class Invoice:
    at: datetime
    subtotal_sar: float


class Deals:
    """The deal book's revisions, grouped by deal: a deal's state at any moment."""

    def __init__(self, revisions: Iterable[DealRevision]) -> None:
        self.by_deal: dict[str, list[DealRevision]] = defaultdict(list)
        for rev in sorted(revisions, key=lambda r: (r.deal_id, r.rev)):
            self.by_deal[rev.deal_id].append(rev)

    def expected(self, since: datetime, until: datetime, now: datetime) -> dict[str, DealRevision]:
        """Each deal as the period's forecast counts it: its state when the period began, or when it was
        first recorded if that came later in the period (never after the period or after ``now``)."""
        states = {}
        for deal_id, revs in self.by_deal.items():
            first = revs[0].recorded_at
            if first >= until or first > now:
                continue
            moment = min(max(since, first), now)
            states[deal_id] = [r for r in revs if r.recorded_at <= moment][-1]
        return states

    def at(self, moment: datetime) -> dict[str, DealRevision]:
        states = {}
        for deal_id, revs in self.by_deal.items():
            known = [r for r in revs if r.recorded_at <= moment]
            if known:
                states[deal_id] = known[-1]
        return states


def build_report(revisions: Iterable[DealRevision], invoices: Sequence[Invoice], *, granularity: Granularity,
                 first: date, last: date, now: datetime, referrals_without_deal: Sequence[str] = (),
                 stages: StagesFile | None = None, texts: ForecastFile | None = None) -> ForecastReport:
    stages, texts = stages or load_stages(), texts or load_forecast()
    deals = Deals(revisions)
    latest = deals.at(now)
    found = [_period(granularity, start, deals, latest, invoices, now, stages, texts)
             for start in P.starts(granularity, first, last)]
    return ForecastReport(
        generated_at=now, granularity=granularity, start=first, end=last, stages_version=stages.version,
        actual_source_ar=texts.actual_source.ar, actual_source_en=texts.actual_source.en,
        forecast_basis_ar=texts.forecast_basis.ar, forecast_basis_en=texts.forecast_basis.en, periods=found,
        pipeline_now=_by_stage([d for d in latest.values() if d.status == "open"], stages),
        referrals_without_deal=sorted(referrals_without_deal))


def _period(granularity: Granularity, start: date, deals: Deals, latest: dict[str, DealRevision],
            invoices: Sequence[Invoice], now: datetime, stages: StagesFile, texts: ForecastFile) -> ForecastPeriod:
    end = P.period_end(granularity, start)
    since, until = P.bounds(start, end)
    state: PeriodState = "closed" if until <= now else "current" if since <= now else "future"
    expected = {i: d for i, d in deals.expected(since, until, now).items()
                if d.status == "open" and start <= d.expected_close <= end}
    won_now = {i: d for i, d in latest.items() if d.status == "won" and start <= d.expected_close <= end}
    buckets: dict[str, list[DealLine]] = {k: [] for k in ("won", "slipped", "lost", "open", "unforecast")}
    for deal_id, then in sorted(expected.items()):
        current = latest[deal_id]
        if deal_id in won_now:
            kind = "won"
        elif current.status == "lost" and current.expected_close <= end:
            kind = "lost"
        elif state == "closed" or current.status != "open" or current.expected_close > end:
            kind = "slipped"
        else:
            kind = "open"
        buckets[kind].append(_line(then, current, stages))
    buckets["unforecast"] = [_line(d, d, stages) for i, d in sorted(won_now.items()) if i not in expected]
    forecast = round(sum(line.weighted_sar for lines in buckets.values() for line in lines
                         if line.deal_id in expected), 2)
    mine = [i for i in invoices if since <= i.at < until]
    actual = round(sum(i.subtotal_sar for i in mine), 2)
    gap = round(actual - forecast, 2)
    won_sar = round(sum(d.value_sar for d in won_now.values()), 2)
    label = _label(granularity, start, texts)
    ar, en = _explain(label, state, forecast, actual, gap, won_sar, buckets, texts)
    return ForecastPeriod(
        key=P.period_key(granularity, start), label_ar=label.ar, label_en=label.en, start=start, end=end,
        state=state, forecast_sar=forecast, actual_sar=actual, gap_sar=gap,
        gap_pct=round(gap / forecast * 100, 1) if forecast else None, won_sar=won_sar, invoices=len(mine),
        by_stage=_by_stage(list(expected.values()), stages), won_as_forecast=buckets["won"],
        slipped=buckets["slipped"], lost=buckets["lost"], won_unforecast=buckets["unforecast"],
        still_open=buckets["open"], explanation_ar=ar, explanation_en=en)


def _line(then: DealRevision, now: DealRevision, stages: StagesFile) -> DealLine:
    stage = stages.stage(then.track, then.stage)
    return DealLine(deal_id=then.deal_id, company_name=then.company_name, track=then.track, stage=then.stage,
                    stage_ar=stage.name_ar, value_sar=then.value_sar, probability=stage.probability,
                    weighted_sar=round(then.value_sar * stage.probability, 2), expected_close=then.expected_close,
                    stage_now=now.stage, expected_close_now=now.expected_close)


def _by_stage(open_deals: list[DealRevision], stages: StagesFile) -> list[StageLine]:
    groups: dict[tuple[Track, str], list[DealRevision]] = defaultdict(list)
    for deal in open_deals:
        groups[(deal.track, deal.stage)].append(deal)
    lines = []
    for (track, stage_name), members in sorted(
            groups.items(), key=lambda kv: (TRACKS.index(kv[0][0]), stages.order(*kv[0]), kv[0][1])):
        stage = stages.stage(track, stage_name)
        value = sum(d.value_sar for d in members)
        lines.append(StageLine(track=track, track_ar=stages.tracks[track].name_ar, stage=stage_name,
                               stage_ar=stage.name_ar, probability=stage.probability, deals=len(members),
                               value_sar=round(value, 2),
                               weighted_sar=round(sum(d.value_sar * stage.probability for d in members), 2)))
    return lines


def _label(granularity: Granularity, start: date, texts: ForecastFile) -> Label:
    template = texts.period_label[granularity]
    if granularity == "week":
        return Label(ar=template.ar.format(start=gregorian_ar(start)), en=template.en.format(start=start.isoformat()))
    return Label(ar=template.ar.format(month=load_texts().months_ar[start.month - 1], year=start.year),
                 en=template.en.format(month_en=texts.months_en[start.month - 1], year=start.year))


def _money(amount: float) -> str:
    return f"{amount:,.0f}"


def _names(lines: list[DealLine], sep: str) -> str:
    names = [f"{line.company_name} ({line.deal_id})" for line in lines[:MAX_NAMES]]
    return sep.join(names) + (f"{sep}…" if len(lines) > MAX_NAMES else "")


def _explain(label: Label, state: PeriodState, forecast: float, actual: float, gap: float, won_sar: float,
             buckets: dict[str, list[DealLine]], texts: ForecastFile) -> tuple[list[str], list[str]]:
    t = texts.explain
    if not forecast and not actual and not any(buckets.values()):
        return [t.nothing.ar], [t.nothing.en]
    pct = f" ({gap / forecast * 100:+.1f}%)" if forecast else ""
    ar = [t.summary.ar.format(period=label.ar, forecast=_money(forecast), actual=_money(actual),
                              gap=_money(gap), pct=pct)]
    en = [t.summary.en.format(period=label.en, forecast=_money(forecast), actual=_money(actual),
                              gap=_money(gap), pct=pct)]
    for key, text, weighted in (("won", t.won_as_forecast, True), ("slipped", t.slipped, True),
                                ("lost", t.lost, True), ("unforecast", t.won_unforecast, False),
                                ("open", t.open, True)):
        lines = buckets[key]
        if lines:
            value = _money(sum(x.weighted_sar if weighted else x.value_sar for x in lines))
            ar.append(text.ar.format(count=len(lines), deals=_names(lines, "، "), value=value))
            en.append(text.en.format(count=len(lines), deals=_names(lines, ", "), value=value))
    if state != "future" and abs(won_sar - actual) >= 0.01:
        ar.append(t.ledger_vs_book.ar.format(value=_money(won_sar), actual=_money(actual)))
        en.append(t.ledger_vs_book.en.format(value=_money(won_sar), actual=_money(actual)))
    return ar, en


class ForecastService:
    """One tenant's forecast vs actual, read from the deal book, the partner book and the proof ledger."""

    def __init__(self, tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock) -> None:
        self.tenant, self.gateway, self.settings, self.clock = tenant, gateway, settings, clock

    def window(self, granularity: Granularity, start: date | None = None, end: date | None = None
               ) -> tuple[date, date]:
        """The days asked for, or the default window around today; PeriodInvalid when reversed or too long."""
        texts = load_forecast().window[granularity]
        current = P.period_start(granularity, P.riyadh_day(self.clock()))
        anchor = current if end is None else P.period_start(granularity, end)
        first = start or P.shift(granularity, anchor, -texts.back)
        last = end or P.period_end(granularity, P.shift(granularity, current, texts.ahead))
        checked_period(first, last)
        return first, last

    def report(self, granularity: Granularity = "week", start: date | None = None,
               end: date | None = None) -> ForecastReport:
        first, last = self.window(granularity, start, end)
        since, until = P.bounds(P.period_start(granularity, first),
                                P.period_end(granularity, P.period_start(granularity, last)))
        return build_report(self.revisions(), self.invoices(since, until), granularity=granularity, first=first,
                            last=last, now=self.clock(), referrals_without_deal=self.referrals_without_deal())

    def closed(self, granularity: Granularity, count: int) -> list[ForecastPeriod]:
        """The last ``count`` closed periods with a forecast or an actual (for the contradiction engine)."""
        if count <= 0:
            return []
        current = P.period_start(granularity, P.riyadh_day(self.clock()))
        first = P.shift(granularity, current, -count)
        report = self.report(granularity, first, P.period_end(granularity, P.shift(granularity, current, -1)))
        return [p for p in report.periods if p.state == "closed" and (p.forecast_sar or p.actual_sar)]

    def revisions(self) -> list[DealRevision]:
        path = pipeline_db_path(self.settings)
        if not store_exists(path):
            return []
        book = DealBook(path)
        try:
            return book.revisions(self.tenant)
        finally:
            book.close()

    def invoices(self, since: datetime, until: datetime) -> list[Invoice]:
        units = list_rwus(self.gateway.store, tenant=self.tenant, limit=None, since=since, until=until,
                          types=[RWUType.payment_link_drafted])
        results = ProofLedger(self.gateway.store).execution_results(self.tenant, (u.ref for u in units if u.ref))
        found = []
        for unit in units:
            subtotal = invoice_subtotal_sar(results.get(unit.ref or "", {}))
            if subtotal is not None:
                found.append(Invoice(at=unit.ts, subtotal_sar=subtotal))
        return found

    def referrals_without_deal(self) -> list[str]:
        path = partners_db_path(self.settings)
        if not store_exists(path):
            return []
        carried = {r.source_ref for r in self.revisions() if r.source_ref}
        repository = PartnerRepository(path)
        try:
            referrals = repository.referrals(self.tenant)
        finally:
            repository.close()
        return [r.referral_id for r in referrals if r.status == "open" and r.referral_id not in carried]
