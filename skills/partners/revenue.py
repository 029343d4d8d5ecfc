"""The partner revenue tracker: referrals -> deals -> commissions, in SAR, per tenant.

A commission is computed once, when the deal's collected amount is recorded, from the agreement
in force then (so a later change of terms never rewrites the past):

    no agreement .............................. not_eligible (0)
    collected after the agreement's term ...... not_eligible (0)
    outside the attribution window ............ not_eligible (0)   (referral / revenue share)
    otherwise ................................. due: amount × rate, rounded half-up to the halala,
                                                payable on the offer's payment timing

Money is handled in integer halalas; the summary's sums are exact.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from skills.partners.catalog import Catalog, load_catalog
from skills.partners.errors import AmountInvalid, CommissionNotFound, ReferralNotFound
from skills.partners.models import (
    Agreement,
    Commission,
    CommissionStatus,
    OfferTerms,
    PartnerDeal,
    PartnerRevenueRow,
    Referral,
    RevenueSummary,
)
from skills.partners.repository import PartnerRepository, sar

IdFactory = Callable[[str], str]


def _uuid_ids(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def to_halalas(amount_sar: float | Decimal | str) -> int:
    """The amount in halalas, rounded half-up; AmountInvalid for anything that is not a finite number."""
    try:
        value = Decimal(str(amount_sar).strip())
    except InvalidOperation:
        raise AmountInvalid(amount_sar) from None
    if not value.is_finite():
        raise AmountInvalid(amount_sar)
    return int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(terms: OfferTerms, collected_on: date) -> date:
    if terms.payment_kind == "quarterly":
        quarter_end_month = ((collected_on.month - 1) // 3 + 1) * 3
        quarter_end = date(collected_on.year, quarter_end_month,
                           calendar.monthrange(collected_on.year, quarter_end_month)[1])
        return quarter_end + timedelta(days=terms.payment_days)
    return collected_on + timedelta(days=terms.payment_days)


def commission_for(agreement: Agreement | None, referral: Referral, amount_halalas: int, collected_on: date,
                   catalog: Catalog) -> tuple[int, OfferTerms | None, date | None, CommissionStatus, str]:
    """(commission halalas, terms, due date, status, Arabic reason)."""
    if agreement is None:
        return 0, None, None, "not_eligible", catalog.text("commission", "no_agreement").ar
    terms = agreement.terms
    if collected_on > add_months(agreement.agreed_on, terms.duration_months):
        return 0, terms, None, "not_eligible", catalog.text("commission", "outside_term").ar
    if terms.attribution_days and (collected_on - referral.referred_on).days > terms.attribution_days:
        return 0, terms, None, "not_eligible", catalog.text("commission", "outside_attribution",
                                                           days=terms.attribution_days).ar
    amount = int((Decimal(amount_halalas) * Decimal(str(terms.rate_pct)) / 100).quantize(Decimal(1),
                                                                                          rounding=ROUND_HALF_UP))
    return amount, terms, due_date(terms, collected_on), "due", catalog.text("commission", "eligible",
                                                                           rate=f"{terms.rate_pct:g}").ar


class RevenueTracker:
    def __init__(self, repository: PartnerRepository, *, tenant: str, ids: IdFactory = _uuid_ids,
                 catalog: Catalog | None = None) -> None:
        self.repository, self.tenant, self._ids = repository, tenant, ids
        self.catalog = catalog or load_catalog()

    def record_agreement(self, partner_id: str, terms: OfferTerms, agreed_on: date) -> Agreement:
        agreement = Agreement(partner_id=partner_id, terms=terms, agreed_on=agreed_on)
        self.repository.save_agreement(self.tenant, agreement)
        return agreement

    def add_referral(self, partner_id: str, company_name: str, referred_on: date) -> Referral:
        referral = Referral(referral_id=self._ids("R"), partner_id=partner_id, company_name=company_name.strip(),
                            referred_on=referred_on, status="open")
        self.repository.add_referral(self.tenant, referral)
        return referral

    def record_deal(self, referral_id: str, amount_sar: float | Decimal | str, collected_on: date
                    ) -> tuple[PartnerDeal, Commission]:
        amount = to_halalas(amount_sar)
        if amount <= 0:  # nothing collected, or less than a halala (0.001 rounds to nothing)
            raise AmountInvalid(amount_sar)
        referral = self.repository.referral(self.tenant, referral_id)
        if referral is None:
            raise ReferralNotFound(referral_id)
        agreement = self.repository.agreement(self.tenant, referral.partner_id)
        commission_halalas, terms, due_on, status, reason = commission_for(agreement, referral, amount, collected_on,
                                                                           self.catalog)
        deal = PartnerDeal(deal_id=self._ids("D"), referral_id=referral_id, partner_id=referral.partner_id,
                           amount_sar=sar(amount), collected_on=collected_on)
        commission = Commission(commission_id=self._ids("C"), deal_id=deal.deal_id, partner_id=referral.partner_id,
                                model=terms.model if terms else "referral", rate_pct=terms.rate_pct if terms else 0.0,
                                amount_sar=sar(commission_halalas), due_on=due_on, status=status,
                                reason_ar=reason)
        self.repository.add_deal(self.tenant, deal, amount, commission, commission_halalas)
        return deal, commission

    def mark_paid(self, commission_id: str, paid_on: date) -> None:
        if not self.repository.mark_paid(self.tenant, commission_id, paid_on):
            raise CommissionNotFound(commission_id)

    def summary(self) -> RevenueSummary:
        rows = self.repository.totals_by_partner(self.tenant)
        partners = tuple(
            PartnerRevenueRow(
                partner_id=r["partner_id"], referrals=r["referrals"], open_referrals=r["open_referrals"],
                won_deals=r["deals"], revenue_sar=sar(r["revenue"]), commission_sar=sar(r["commission"]),
                commission_due_sar=sar(r["due"]), commission_paid_sar=sar(r["paid"]),
                conversion_rate=round(r["won_referrals"] / r["referrals"], 4) if r["referrals"] else 0.0,
            )
            for r in rows
        )
        return RevenueSummary(
            tenant=self.tenant, partners=partners, referrals=sum(r["referrals"] for r in rows),
            won_deals=sum(r["deals"] for r in rows), revenue_sar=sar(sum(r["revenue"] for r in rows)),
            commission_sar=sar(sum(r["commission"] for r in rows)), commission_due_sar=sar(sum(r["due"] for r in rows)),
            commission_paid_sar=sar(sum(r["paid"] for r in rows)),
        )
