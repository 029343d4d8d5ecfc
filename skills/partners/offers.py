"""The offer builder: referral fee, revenue share or co-delivery, with terms a partner can sign.

Terms are the model's defaults from ``data/offers.yaml`` unless a person sets a rate or a term,
which must stay inside the model's bounds. Every offer carries the standard clauses, the first of
which says that no number of referrals and no revenue is promised; commissions are paid on
amounts actually collected, excluding VAT. A partner flagged as a competitor gets referral fees
only.
"""

from __future__ import annotations

from skills.partners.catalog import Catalog, OfferModelSpec, Text, load_catalog
from skills.partners.errors import OfferOutOfBounds
from skills.partners.models import (
    CompetitorFlag,
    OfferModel,
    OfferTerms,
    PartnerCandidate,
    PartnerOffer,
    PartnerProfile,
)


def recommended_model(candidate: PartnerCandidate, flag: CompetitorFlag, catalog: Catalog | None = None) -> OfferModel:
    catalog = catalog or load_catalog()
    return "referral" if flag.flagged else catalog.type_profile(candidate.type).offer


def build_terms(model: OfferModel, *, rate_pct: float | None = None, duration_months: int | None = None,
                catalog: Catalog | None = None) -> OfferTerms:
    catalog = catalog or load_catalog()
    spec = catalog.offers.models[model]
    rate = spec.rate_pct.default if rate_pct is None else rate_pct
    months = int(spec.duration_months.default) if duration_months is None else duration_months
    if not spec.rate_pct.min <= rate <= spec.rate_pct.max:
        raise OfferOutOfBounds(catalog.text("offer", "rate_out_of_range", rate=f"{rate:g}", model_ar=spec.name_ar,
                                            model=model, min=f"{spec.rate_pct.min:g}", max=f"{spec.rate_pct.max:g}"))
    if not spec.duration_months.min <= months <= spec.duration_months.max:
        raise OfferOutOfBounds(catalog.text("offer", "duration_out_of_range", months=months, model_ar=spec.name_ar,
                                            model=model, min=f"{spec.duration_months.min:g}",
                                            max=f"{spec.duration_months.max:g}"))
    return OfferTerms(
        model=model, rate_pct=rate, duration_months=months, payment_kind=spec.payment.kind,
        payment_days=spec.payment.days, attribution_days=spec.attribution_days, basis_ar=spec.basis_ar,
        payment_timing_ar=catalog.offers.payment_timing_ar[spec.payment.kind].format(days=spec.payment.days),
    )


def build_offer(candidate: PartnerCandidate, flag: CompetitorFlag, *, model: OfferModel | None = None,
                rate_pct: float | None = None, duration_months: int | None = None,
                profile: PartnerProfile | None = None, catalog: Catalog | None = None) -> PartnerOffer:
    catalog = catalog or load_catalog()
    profile = profile or catalog.profile
    chosen = model or recommended_model(candidate, flag, catalog)
    notes: list[str] = []
    if flag.flagged:
        referral_only = catalog.text("offer", "competitor_referral_only")
        if chosen != "referral":
            raise OfferOutOfBounds(referral_only)
        notes.append(referral_only.ar)
    terms = build_terms(chosen, rate_pct=rate_pct, duration_months=duration_months, catalog=catalog)
    spec: OfferModelSpec = catalog.offers.models[chosen]
    if terms.attribution_days:
        notes.append(catalog.text("offer", "attribution", days=terms.attribution_days).ar)
    commission = round(profile.avg_deal_sar * terms.rate_pct / 100, 2)
    summary: Text = catalog.text("offer", "summary", model_ar=spec.name_ar, model=spec.name_en,
                                 rate=f"{terms.rate_pct:g}", months=terms.duration_months,
                                 timing=terms.payment_timing_ar)
    example = catalog.text("offer", "example", amount=f"{profile.avg_deal_sar:,.0f}", commission=f"{commission:,.0f}")
    return PartnerOffer(
        partner_id=candidate.partner_id, partner_name=candidate.name, terms=terms, model_ar=spec.name_ar,
        summary_ar=summary.ar, clauses_ar=catalog.offers.clauses_ar, example_ar=example.ar,
        example_commission_sar=commission, notes_ar=tuple(notes),
    )
