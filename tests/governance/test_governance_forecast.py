"""Forecast vs actual: weighted arithmetic per stage and track, Riyadh weeks and months, actuals from the
proof ledger, the gap explained, and the live forecast_vs_ledger contradiction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from governance_support import OTHER, TENANT, MovingClock

from dealix.settings import Settings
from skills.governance.contradictions import ContradictionEngine
from skills.governance.executive import ExecutiveRoomService
from skills.governance.forecast import ForecastService, Invoice, build_report
from skills.governance.models import ForecastPeriod, ForecastReport
from skills.governance.periods import period_start, riyadh_day
from skills.pipeline.book import DealBook, DealInvalid, DealRevision, DealUpdate, pipeline_db_path
from skills.pipeline.intake import record_deal
from skills.pipeline.stages import Track
from tools.gateway import Gateway
from tools.models import ToolCall

# Tuesday 10 November 2026, 10:00 Riyadh: before the week of Sunday 15 November begins.
BEFORE = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
INVOICE = {"seller_name": "مؤسسة ديليكس", "vat_number": "300000000000003", "buyer_name": "شركة النخبة",
           "items": [{"description": "اشتراك سنوي", "quantity": 1, "unit_price": "12500"}]}


def rev(deal_id: str, track: Track, stage: str, value: float, close: date, *, at: datetime = BEFORE, n: int = 1,
        company: str | None = None, tenant: str = TENANT) -> DealRevision:
    return DealRevision(tenant=tenant, deal_id=deal_id, rev=n, recorded_at=at, recorded_by="test",
                        company_name=company or f"شركة {deal_id}", track=track, stage=stage,
                        value_halalas=int(value * 100), expected_close=close)


def period(report: ForecastReport, key: str) -> ForecastPeriod:
    return next(p for p in report.periods if p.key == key)


def week_report(revisions: list[DealRevision], invoices: list[Invoice], now: datetime) -> ForecastReport:
    return build_report(revisions, invoices, granularity="week", first=date(2026, 11, 8), last=date(2026, 11, 28),
                        now=now)


# ------------------------------------------------------------------------------------ arithmetic
def test_weighted_forecast_is_value_times_stage_probability_per_track() -> None:
    deals = [rev("D1", "direct", "proposal", 100_000, date(2026, 11, 18)),      # 0.50 -> 50,000
             rev("D2", "partner", "referred", 40_000, date(2026, 11, 19)),      # 0.10 -> 4,000
             rev("D3", "expansion", "commit", 20_000, date(2026, 11, 21)),      # 0.95 -> 19,000 (Saturday)
             rev("D4", "direct", "meeting", 60_000, date(2026, 11, 25))]        # 0.25 -> 15,000, next week
    now = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    report = week_report(deals, [], now)
    this_week = period(report, "W2026-11-15")
    assert this_week.forecast_sar == 73_000 and this_week.state == "current"
    assert [(s.track, s.stage, s.deals, s.value_sar, s.weighted_sar) for s in this_week.by_stage] == [
        ("direct", "proposal", 1, 100_000, 50_000), ("partner", "referred", 1, 40_000, 4_000),
        ("expansion", "commit", 1, 20_000, 19_000)]
    assert period(report, "W2026-11-22").forecast_sar == 15_000 and period(report, "W2026-11-22").state == "future"
    assert period(report, "W2026-11-08").state == "closed" and period(report, "W2026-11-08").forecast_sar == 0
    month = build_report(deals, [], granularity="month", first=date(2026, 11, 1), last=date(2026, 11, 30), now=now)
    assert [(p.key, p.forecast_sar) for p in month.periods] == [("2026-11", 88_000)]
    assert sum(s.weighted_sar for s in report.pipeline_now) == 88_000


def test_closed_deals_and_deals_recorded_after_the_period_are_not_forecast() -> None:
    deals = [rev("W", "direct", "won", 10_000, date(2026, 11, 17)),
             rev("L", "direct", "lost", 10_000, date(2026, 11, 17)),
             rev("NEW", "direct", "commit", 10_000, date(2026, 11, 19), at=datetime(2026, 11, 16, tzinfo=UTC)),
             rev("LATE", "direct", "commit", 10_000, date(2026, 11, 17), at=datetime(2026, 11, 23, tzinfo=UTC))]
    report = week_report(deals, [], datetime(2026, 11, 24, tzinfo=UTC))
    this_week = period(report, "W2026-11-15")
    # A deal first recorded during the week counts as first recorded; one recorded after the week never does.
    assert this_week.forecast_sar == 9_000 and [s.deals for s in this_week.by_stage] == [1]
    assert [d.deal_id for d in this_week.slipped] == ["NEW"]


# ------------------------------------------------------------------------------------ Riyadh periods
def test_saturday_late_utc_is_sunday_in_riyadh_and_opens_the_next_week() -> None:
    saturday_2330_utc = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 02:30 on Sunday 22 November in Riyadh
    assert riyadh_day(saturday_2330_utc) == date(2026, 11, 22)
    assert period_start("week", riyadh_day(saturday_2330_utc)) == date(2026, 11, 22)
    assert period_start("week", date(2026, 11, 21)) == date(2026, 11, 15)  # a Saturday closes its week
    report = week_report([], [Invoice(at=saturday_2330_utc, subtotal_sar=5_000),
                              Invoice(at=datetime(2026, 11, 21, 20, 59, tzinfo=UTC), subtotal_sar=700)],
                         datetime(2026, 11, 28, tzinfo=UTC))
    assert period(report, "W2026-11-22").actual_sar == 5_000
    assert period(report, "W2026-11-15").actual_sar == 700  # 23:59 on Saturday in Riyadh
    month_end = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # 00:30 on 1 December in Riyadh
    months = build_report([], [Invoice(at=month_end, subtotal_sar=900)], granularity="month",
                          first=date(2026, 11, 1), last=date(2026, 12, 31), now=datetime(2027, 1, 2, tzinfo=UTC))
    assert [(p.key, p.actual_sar) for p in months.periods] == [("2026-11", 0), ("2026-12", 900)]


# ------------------------------------------------------------------------------------ the gap explained
def test_the_gap_names_the_deals_won_slipped_lost_and_won_unforecast() -> None:
    during = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    deals = [rev("A", "direct", "negotiation", 100_000, date(2026, 11, 17)),             # 70,000
             rev("A", "direct", "won", 100_000, date(2026, 11, 17), at=during, n=2),
             rev("B", "partner", "proposal", 50_000, date(2026, 11, 18)),                # 27,500
             rev("B", "partner", "proposal", 50_000, date(2026, 12, 2), at=during, n=2),  # moved out: slipped
             rev("C", "direct", "commit", 30_000, date(2026, 11, 19)),                   # 27,000
             rev("C", "direct", "lost", 30_000, date(2026, 11, 18), at=during, n=2),
             rev("E", "expansion", "won", 20_000, date(2026, 11, 18), at=during, company="شركة الريادة")]
    report = week_report(deals, [Invoice(at=during, subtotal_sar=100_000)], datetime(2026, 11, 23, tzinfo=UTC))
    week = period(report, "W2026-11-15")
    assert week.state == "closed"
    assert (week.forecast_sar, week.actual_sar, week.gap_sar, week.gap_pct) == (124_500, 100_000, -24_500, -19.7)
    assert [d.deal_id for d in week.won_as_forecast] == ["A"]
    assert [(d.deal_id, d.expected_close, d.expected_close_now) for d in week.slipped] == [
        ("B", date(2026, 11, 18), date(2026, 12, 2))]
    assert [(d.deal_id, d.stage, d.stage_now) for d in week.lost] == [("C", "commit", "lost")]
    assert [d.deal_id for d in week.won_unforecast] == ["E"] and week.won_sar == 120_000
    arabic, english = "\n".join(week.explanation_ar), "\n".join(week.explanation_en)
    assert "124,500" in arabic and "100,000" in arabic and "-24,500" in arabic and "(-19.7%)" in arabic
    assert "تأخرت 1 صفقة" in arabic and "(B)" in arabic and "27,500" in arabic
    assert "خُسرت 1 صفقة" in arabic and "(C)" in arabic
    assert "شركة الريادة (E)" in arabic and "لم تكن في توقع الفترة" in arabic
    assert "120,000" in arabic  # the deal book's won value beside the ledger's
    assert "slipped" in english and "(B)" in english and "lost" in english and "(E)" in english
    assert week_report(deals, [], datetime(2026, 11, 23, tzinfo=UTC)).periods == \
        week_report(list(reversed(deals)), [], datetime(2026, 11, 23, tzinfo=UTC)).periods  # deterministic


def test_a_forecast_deal_of_a_running_week_is_still_open_not_slipped() -> None:
    deals = [rev("A", "direct", "proposal", 10_000, date(2026, 11, 19))]
    week = period(week_report(deals, [], datetime(2026, 11, 17, tzinfo=UTC)), "W2026-11-15")
    assert [d.deal_id for d in week.still_open] == ["A"] and week.slipped == []
    closed = period(week_report(deals, [], datetime(2026, 11, 22, 1, tzinfo=UTC)), "W2026-11-15")
    assert [d.deal_id for d in closed.slipped] == ["A"] and closed.still_open == []


# ------------------------------------------------------------------------------------ the deal book
def test_the_book_keeps_every_revision_and_refuses_an_unknown_stage(settings: Settings) -> None:
    settings.ensure_data_dir()
    book = DealBook(pipeline_db_path(settings))
    update = DealUpdate(deal_id="D-1", company_name="شركة الأفق", track="direct", stage="proposal",
                        value_sar=Decimal("120000"), expected_close=date(2026, 12, 10))
    first = book.record(TENANT, update, at=BEFORE, by="test")
    assert book.record(TENANT, update, at=BEFORE, by="test") == first  # nothing changed: no new revision
    second = book.record(TENANT, update.model_copy(update={"stage": "negotiation"}), at=BEFORE, by="test")
    assert (first.rev, second.rev) == (1, 2) and [r.stage for r in book.revisions(TENANT)] == ["proposal",
                                                                                              "negotiation"]
    assert book.revisions(OTHER) == []
    with pytest.raises(DealInvalid) as refused:
        book.record(TENANT, update.model_copy(update={"track": "expansion", "stage": "referred"}), at=BEFORE,
                    by="test")
    assert "referred" in refused.value.message_ar and refused.value.code == "deal_invalid"
    book.close()


# ------------------------------------------------------------------------------------ actuals and the contradiction
def _invoice(gateway: Gateway, call_id: str, tenant: str = TENANT) -> None:
    result = gateway.invoke(ToolCall(tenant=tenant, skill="execution_governor", action="moyasar.invoice_draft",
                                     args=INVOICE, thread_id="inv", tool_call_id=call_id))
    assert result.execution is not None and result.execution.status == "executed"


def _plant(settings: Settings, value: str) -> None:
    record_deal(settings, TENANT, deal_id="D-9", stage="commit", value=value, close="2026-11-18", at=BEFORE,
                by="test", company="شركة النخبة", track="direct")


def test_actuals_are_the_ledgers_invoice_drafts_of_the_tenant(gateway: Gateway, settings: Settings,
                                                              clock: MovingClock) -> None:
    clock.now = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    _invoice(gateway, "i1")
    _invoice(gateway, "i2", tenant=OTHER)
    gateway.invoke(ToolCall(tenant=TENANT, skill="proof_pack_builder", action="crm.update", args={},
                            thread_id="t", tool_call_id="x"))  # not an invoice: not revenue
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    report = ForecastService(TENANT, gateway=gateway, settings=settings, clock=clock).report("week")
    week = period(report, "W2026-11-15")
    assert (week.actual_sar, week.invoices) == (12_500, 1)
    assert sum(p.actual_sar for p in report.periods) == 12_500


@pytest.mark.parametrize(("value", "fires"), [("50000", True), ("15000", False)])
def test_the_live_forecast_contradiction_fires_beyond_the_threshold_only(
        gateway: Gateway, settings: Settings, clock: MovingClock, value: str, fires: bool) -> None:
    _plant(settings, value)  # commit, 0.9: forecast 45,000 or 13,500 for the week of 15 November
    clock.now = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    _invoice(gateway, "i1")  # 12,500 in the ledger
    engine = ContradictionEngine(TENANT, gateway=gateway, settings=settings, clock=clock)
    assert [c for c in engine.find() if c.kind == "forecast_vs_ledger"] == []  # the week is not over yet
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    found = [c for c in engine.find() if c.kind == "forecast_vs_ledger"]
    if not fires:
        assert found == []  # 1,000 SAR apart: within the threshold
        return
    assert [c.ref for c in found] == ["forecast_vs_ledger:W2026-11-15"]
    assert found[0].evidence == {"period": "W2026-11-15", "forecast_sar": "45000.00", "actual_sar": "12500.00"}
    assert "45,000" in found[0].evidence_ar and "12,500" in found[0].evidence_ar and "15 نوفمبر" in found[0].evidence_ar
    assert ContradictionEngine(OTHER, gateway=gateway, settings=settings, clock=clock).find() == []


def test_the_executive_room_carries_forecast_vs_actual(gateway: Gateway, settings: Settings,
                                                       clock: MovingClock) -> None:
    _plant(settings, "50000")
    room = ExecutiveRoomService(TENANT, gateway=gateway, settings=settings, clock=clock).room()
    assert room.forecast is not None and room.forecast.granularity == "week"
    current = next(p for p in room.forecast.periods if p.state == "current")
    assert current.key == "W2026-11-15" and current.forecast_sar == 45_000
    assert [(s.track, s.stage, s.weighted_sar) for s in room.forecast.pipeline_now] == [("direct", "commit", 45_000)]


def test_a_deal_from_a_partner_referral_takes_its_company_and_leaves_the_unvalued_list(
        gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    from skills.partners.factory import build_service
    from skills.partners.revenue import RevenueTracker

    service = build_service(settings, tenant=TENANT, clock=clock, gateway=gateway)
    referral = RevenueTracker(service.repository, tenant=TENANT).add_referral("P-1", "شركة المدى", date(2026, 11, 1))
    service.repository.close()
    forecast = ForecastService(TENANT, gateway=gateway, settings=settings, clock=clock)
    assert forecast.report().referrals_without_deal == [referral.referral_id]
    made = record_deal(settings, TENANT, deal_id="R-deal", stage="meeting", value="80000", close="2026-12-01",
                       at=BEFORE, by="test", referral=referral.referral_id)
    assert (made.company_name, made.track, made.source_ref) == ("شركة المدى", "partner", referral.referral_id)
    assert forecast.report().referrals_without_deal == []
