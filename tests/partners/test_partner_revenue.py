"""The revenue tracker: referrals -> deals -> commissions, exact sums in SAR, per tenant, on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from skills.partners.errors import AmountInvalid, CommissionNotFound, ReferralNotFound
from skills.partners.offers import build_terms
from skills.partners.repository import PartnerRepository
from skills.partners.revenue import RevenueTracker, due_date


def _tracker(repository: PartnerRepository, tenant: str = "acme") -> RevenueTracker:
    counter = iter(range(1, 1000))
    return RevenueTracker(repository, tenant=tenant, ids=lambda prefix: f"{prefix}-{next(counter):03d}")


def test_sums_are_exact_to_the_halala(repository):
    tracker = _tracker(repository)
    tracker.record_agreement("P-001", build_terms("referral", rate_pct=10), date(2026, 1, 1))
    amounts = ["1000.10", "2000.20", "333.33"]
    for amount in amounts:
        referral = tracker.add_referral("P-001", "شركة مُحالة", date(2026, 2, 1))
        _, commission = tracker.record_deal(referral.referral_id, amount, date(2026, 3, 1))
        assert commission.status == "due"

    summary = tracker.summary()
    row = summary.partners[0]
    assert row.referrals == 3 and row.won_deals == 3 and row.open_referrals == 0
    assert row.revenue_sar == 3333.63
    assert row.commission_sar == 333.36  # 100.01 + 200.02 + 33.33, each rounded half-up to the halala
    assert summary.revenue_sar == 3333.63 and summary.commission_due_sar == 333.36
    assert row.conversion_rate == 1.0


def test_totals_per_partner_and_overall(repository):
    tracker = _tracker(repository)
    tracker.record_agreement("P-001", build_terms("referral", rate_pct=10), date(2026, 1, 1))
    tracker.record_agreement("P-002", build_terms("revenue_share", rate_pct=20), date(2026, 1, 1))
    won = tracker.add_referral("P-001", "أ", date(2026, 2, 1))
    tracker.add_referral("P-001", "ب", date(2026, 2, 2))  # stays open
    other = tracker.add_referral("P-002", "ج", date(2026, 2, 3))
    tracker.record_deal(won.referral_id, 50_000, date(2026, 3, 1))
    tracker.record_deal(other.referral_id, 10_000, date(2026, 3, 1))
    tracker.record_deal(other.referral_id, 5_000, date(2026, 4, 1))  # revenue share: every collection counts

    summary = tracker.summary()
    rows = {r.partner_id: r for r in summary.partners}
    assert rows["P-001"].commission_sar == 5_000 and rows["P-001"].conversion_rate == 0.5
    assert rows["P-002"].revenue_sar == 15_000 and rows["P-002"].commission_sar == 3_000
    assert rows["P-002"].won_deals == 2
    assert summary.referrals == 3 and summary.won_deals == 3
    assert summary.revenue_sar == 65_000 and summary.commission_sar == 8_000


def test_no_agreement_means_no_commission(repository):
    tracker = _tracker(repository)
    referral = tracker.add_referral("P-003", "شركة", date(2026, 2, 1))
    deal, commission = tracker.record_deal(referral.referral_id, 20_000, date(2026, 2, 20))

    assert deal.amount_sar == 20_000
    assert commission.status == "not_eligible" and commission.amount_sar == 0 and commission.due_on is None
    assert "لا يوجد اتفاق" in commission.reason_ar
    assert tracker.summary().commission_sar == 0


def test_a_deal_after_the_attribution_window_earns_nothing(repository):
    tracker = _tracker(repository)
    tracker.record_agreement("P-001", build_terms("referral"), date(2026, 1, 1))  # 90-day window
    referral = tracker.add_referral("P-001", "شركة", date(2026, 1, 10))
    _, late = tracker.record_deal(referral.referral_id, 10_000, date(2026, 4, 20))  # 100 days later

    assert late.status == "not_eligible" and "90" in late.reason_ar


def test_a_collection_after_the_term_earns_nothing(repository):
    tracker = _tracker(repository)
    tracker.record_agreement("P-001", build_terms("co_delivery", duration_months=3), date(2026, 1, 31))
    referral = tracker.add_referral("P-001", "شركة", date(2026, 2, 1))
    _, inside = tracker.record_deal(referral.referral_id, 1_000, date(2026, 4, 30))
    _, outside = tracker.record_deal(referral.referral_id, 1_000, date(2026, 5, 1))

    assert inside.status == "due" and inside.amount_sar == 400
    assert outside.status == "not_eligible"


def test_payment_timing_sets_the_due_date():
    assert due_date(build_terms("referral"), date(2026, 3, 10)) == date(2026, 4, 9)
    assert due_date(build_terms("revenue_share"), date(2026, 2, 10)) == date(2026, 4, 15)  # Q1 ends 31 March
    assert due_date(build_terms("co_delivery"), date(2026, 12, 20)) == date(2027, 1, 4)


def test_paying_a_commission_moves_it_from_due_to_paid_once(repository):
    tracker = _tracker(repository)
    tracker.record_agreement("P-001", build_terms("referral"), date(2026, 1, 1))
    referral = tracker.add_referral("P-001", "شركة", date(2026, 1, 5))
    _, commission = tracker.record_deal(referral.referral_id, 10_000, date(2026, 1, 20))
    tracker.mark_paid(commission.commission_id, date(2026, 2, 15))

    summary = tracker.summary()
    assert summary.commission_paid_sar == 1_000 and summary.commission_due_sar == 0
    with pytest.raises(CommissionNotFound):
        tracker.mark_paid(commission.commission_id, date(2026, 2, 16))


def test_another_tenant_sees_nothing_and_cannot_record_on_our_referral(repository):
    ours = _tracker(repository, "acme")
    ours.record_agreement("P-001", build_terms("referral"), date(2026, 1, 1))
    referral = ours.add_referral("P-001", "شركة", date(2026, 1, 5))
    ours.record_deal(referral.referral_id, 10_000, date(2026, 1, 20))
    theirs = _tracker(repository, "globex")

    assert theirs.summary().partners == () and theirs.summary().revenue_sar == 0
    with pytest.raises(ReferralNotFound):
        theirs.record_deal(referral.referral_id, 99_999, date(2026, 1, 21))
    assert ours.summary().revenue_sar == 10_000


def test_the_ledger_survives_a_new_process(tmp_path: Path):
    path = tmp_path / "partners.db"
    first = _tracker(PartnerRepository(path))
    first.record_agreement("P-001", build_terms("referral"), date(2026, 1, 1))
    referral = first.add_referral("P-001", "شركة", date(2026, 1, 5))
    first.record_deal(referral.referral_id, 12_345.67, date(2026, 1, 20))

    again = _tracker(PartnerRepository(path))
    assert again.summary().revenue_sar == 12_345.67
    assert again.summary().commission_sar == 1_234.57


@pytest.mark.parametrize("amount", ["0.001", 2.22e-16, 0, "-5", "abc", "inf", "nan", ""])
def test_an_amount_below_one_halala_or_not_a_number_is_a_domain_refusal_in_arabic(repository, amount):
    tracker = _tracker(repository)
    referral = tracker.add_referral("P-001", "شركة مُحالة", date(2026, 2, 1))

    with pytest.raises(AmountInvalid) as refused:
        tracker.record_deal(referral.referral_id, amount, date(2026, 3, 1))

    assert refused.value.code == "amount_invalid"
    assert "لا يقل عن هللة واحدة" in refused.value.message_ar
    assert tracker.summary().revenue_sar == 0  # nothing recorded


def test_one_halala_is_an_amount(repository):
    tracker = _tracker(repository)
    referral = tracker.add_referral("P-001", "شركة مُحالة", date(2026, 2, 1))
    deal, _ = tracker.record_deal(referral.referral_id, "0.005", date(2026, 3, 1))  # rounds half-up to 0.01
    assert deal.amount_sar == 0.01
