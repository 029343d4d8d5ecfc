"""The partner scorecard: fit, reach, trust, overlap and revenue potential, each 0-100 and explained.

    fit ............... type affinity (data, per type) + share of services that complement ours
    reach ............. log-scaled reach units: clients × per_client + audience
    trust ............. years active, checkable references, verified CR, our relationship
    overlap ........... share of the partner's client sectors in our ICP + where it works
    revenue_potential . expected referrals × conversion × average deal (SAR), vs full_at_sar

    total = Σ weight × component − competitor penalty (shown, never hidden), clamped to 0-100

Weights and every constant are in ``data/scorecard.yaml``. The same inputs always give the same
scorecard; :func:`rank_scorecards` orders by total descending, then partner id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from skills.partners.catalog import Catalog, Place, load_catalog
from skills.partners.competitors import competitor_flag
from skills.partners.models import (
    Component,
    ComponentScore,
    PartnerCandidate,
    PartnerProfile,
    RevenueEstimate,
    Scorecard,
)
from skills.targeting.catalog import load_catalog as load_targeting_catalog
from skills.targeting.cities import city
from skills.targeting.ranking import Icp


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def join_ar(items: Iterable[str]) -> str:
    """An Arabic list with the Arabic comma (sector names may contain و themselves)."""
    return "، ".join(items)


def sector_ar(sector: str) -> str:
    sectors = load_targeting_catalog().sectors.sectors
    return sectors[sector].name_ar if sector in sectors else sector


def place_of(candidate: PartnerCandidate, icp: Icp) -> Place:
    where = candidate.city
    if where in icp.target_cities:
        return "icp_city"
    if where in ("national", "online"):
        return where  # type: ignore[return-value]
    regions = {city(c).region for c in icp.target_cities if _known_city(c)}
    if where is not None and _known_city(where) and city(where).region in regions:
        return "same_region"
    return "other"


def _known_city(city_id: str) -> bool:
    return city_id in load_targeting_catalog().cities.cities


def _place_ar(candidate: PartnerCandidate, catalog: Catalog) -> str:
    where = candidate.city or "-"
    if where in catalog.messages.places_ar:
        return catalog.messages.places_ar[where]
    return city(where).name_ar if _known_city(where) else where


def sector_share(candidate: PartnerCandidate, icp: Icp) -> tuple[float, list[str]]:
    matched = [s for s in candidate.client_sectors if s in icp.target_sectors]
    return (len(matched) / len(candidate.client_sectors) if candidate.client_sectors else 0.0), matched


class _Builder:
    def __init__(self, component: Component, catalog: Catalog) -> None:
        self.component, self.catalog = component, catalog
        self.ar: list[str] = []
        self.en: list[str] = []

    def say(self, key: str, **params: object) -> None:
        text = self.catalog.text("reasons", key, **params)
        self.ar.append(text.ar)
        self.en.append(text.en)

    def done(self, score: float) -> ComponentScore:
        weight = self.catalog.scorecard.weights[self.component]
        score = round(min(max(score, 0.0), 100.0), 2)
        return ComponentScore(component=self.component, label_ar=self.catalog.messages.components[self.component],
                              score=score, weight=weight, weighted=round(score * weight, 2),
                              reasons_ar=tuple(self.ar), reasons_en=tuple(self.en))


def _fit(c: PartnerCandidate, profile: PartnerProfile, catalog: Catalog) -> ComponentScore:
    points = catalog.scorecard.fit.points
    type_profile = catalog.type_profile(c.type)
    b = _Builder("fit", catalog)
    score = points["type"] * type_profile.affinity / 100
    b.say("type_affinity", type_ar=type_profile.name_ar, type=c.type.value, affinity=type_profile.affinity)
    complementary = [s for s in c.services if s in profile.complementary_services]
    if complementary:
        score += points["complementary"] * len(complementary) / len(c.services)
        b.say("complementary", services_ar=join_ar(catalog.service_ar(s) for s in complementary),
              services=", ".join(complementary))
    else:
        b.say("not_complementary")
    return b.done(score)


def reach_units(c: PartnerCandidate, catalog: Catalog) -> float:
    return c.clients_count * catalog.scorecard.reach.per_client + c.audience_size


def _reach(c: PartnerCandidate, catalog: Catalog) -> ComponentScore:
    spec = catalog.scorecard.reach
    units = reach_units(c, catalog)
    b = _Builder("reach", catalog)
    key = ("reach_both" if c.clients_count and c.audience_size else "reach_clients" if c.clients_count
           else "reach_audience" if c.audience_size else "reach_none")
    b.say(key, clients=f"{c.clients_count:,}", audience=f"{c.audience_size:,}", units=f"{units:,.0f}")
    return b.done(100 * math.log10(1 + units) / math.log10(1 + spec.full_at))


def _trust(c: PartnerCandidate, catalog: Catalog) -> ComponentScore:
    spec = catalog.scorecard.trust
    b = _Builder("trust", catalog)
    score = spec.points["years"] * min(c.years_active, spec.years_full_at) / spec.years_full_at
    b.say("years", years=c.years_active)
    score += spec.points["references"] * min(c.references_count, spec.references_full_at) / spec.references_full_at
    b.say("references", references=c.references_count)
    if c.cr_verified:
        score += spec.points["cr_verified"]
        b.say("cr_verified")
    else:
        b.say("cr_unverified")
    score += spec.points["relationship"] * spec.relationship[c.relationship]
    if c.relationship == "met":
        b.say("relationship_met")
    elif c.relationship == "worked_together":
        b.say("relationship_worked")
    return b.done(score)


def _overlap(c: PartnerCandidate, icp: Icp, catalog: Catalog) -> ComponentScore:
    spec = catalog.scorecard.overlap
    b = _Builder("overlap", catalog)
    share, matched = sector_share(c, icp)
    score = spec.points["sectors"] * share
    if c.client_sectors:
        b.say("sectors", matched=len(matched), total=len(c.client_sectors),
              sectors_ar=join_ar(sector_ar(s) for s in matched) or "-", sectors=", ".join(matched) or "-")
    else:
        b.say("no_sectors")
    place = place_of(c, icp)
    score += spec.points["place"] * spec.place[place]
    key = {"icp_city": "place_icp_city", "national": "place_national", "online": "place_national",
           "same_region": "place_same_region", "other": "place_other"}[place]
    b.say(key, place_ar=_place_ar(c, catalog), place=c.city or "-")
    return b.done(score)


def estimate_revenue(c: PartnerCandidate, icp: Icp, profile: PartnerProfile, catalog: Catalog) -> RevenueEstimate:
    type_profile = catalog.type_profile(c.type)
    share, _ = sector_share(c, icp)
    referrals = (c.clients_count * type_profile.client_referral_rate
                 + c.audience_size * type_profile.audience_referral_rate) * share
    deals = referrals * profile.conversion_rate
    revenue = deals * profile.avg_deal_sar
    a = catalog.messages.assumptions
    return RevenueEstimate(
        referrals_per_year=round(referrals, 2), deals_per_year=round(deals, 2), revenue_sar=round(revenue, 2),
        assumptions_ar=(
            a["referral_rate_clients"].format(type_ar=type_profile.name_ar, rate=type_profile.client_referral_rate),
            a["referral_rate_audience"].format(type_ar=type_profile.name_ar,
                                               rate=type_profile.audience_referral_rate),
            a["sector_share"].format(share=f"{share:.2f}"),
            a["conversion"].format(rate=profile.conversion_rate),
            a["avg_deal"].format(amount=f"{profile.avg_deal_sar:,.0f}"),
        ),
    )


def _revenue(estimate: RevenueEstimate, catalog: Catalog) -> ComponentScore:
    b = _Builder("revenue_potential", catalog)
    b.say("revenue", referrals=_fmt(estimate.referrals_per_year), deals=_fmt(estimate.deals_per_year),
          revenue=f"{estimate.revenue_sar:,.0f}")
    return b.done(100 * estimate.revenue_sar / catalog.scorecard.revenue.full_at_sar)


def score_partner(candidate: PartnerCandidate, *, icp: Icp | None = None, profile: PartnerProfile | None = None,
                  catalog: Catalog | None = None) -> Scorecard:
    catalog = catalog or load_catalog()
    icp = icp or Icp.default()
    profile = profile or catalog.profile
    estimate = estimate_revenue(candidate, icp, profile, catalog)
    components = (
        _fit(candidate, profile, catalog), _reach(candidate, catalog), _trust(candidate, catalog),
        _overlap(candidate, icp, catalog), _revenue(estimate, catalog),
    )
    flag = competitor_flag(candidate, profile, catalog)
    total = sum(c.score * c.weight for c in components) - flag.penalty
    return Scorecard(
        partner_id=candidate.partner_id, partner_name=candidate.name, type=candidate.type,
        type_ar=catalog.type_profile(candidate.type).name_ar, components=components, competitor=flag,
        revenue=estimate, total=round(min(max(total, 0.0), 100.0), 2), weights_version=catalog.scorecard.version,
    )


def rank_scorecards(cards: Iterable[Scorecard]) -> list[Scorecard]:
    """Total descending, then partner id: the same candidates always give the same order."""
    return sorted(cards, key=lambda s: (-s.total, s.partner_id))
