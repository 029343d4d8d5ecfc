"""The ranker: an explainable score from fit, why-now, contactability and relationship.

Each component is 0-100; the total is their weighted sum (weights in ``data/policy.yaml``), and
every target carries the breakdown and the reasons behind it. Order is deterministic: total
descending, then lead id.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.cities import city
from skills.targeting.models import (
    CommitteeRole,
    Contactability,
    Enrichment,
    Lead,
    NoteFlag,
    Risk,
    ScoreBreakdown,
    Signal,
    Target,
)
from skills.targeting.records import trusted


class Icp(BaseModel):
    """The ideal customer profile that fit is measured against; defaults from the policy file."""

    model_config = ConfigDict(frozen=True)

    target_sectors: list[str] = Field(description="Sector ids, e.g. technology, construction.")
    target_cities: list[str] = Field(description="Canonical city ids, e.g. riyadh, jeddah.")
    target_size_bands: list[str] = Field(description="micro, small, medium, large, enterprise.")

    @classmethod
    def default(cls, catalog: Catalog | None = None) -> Icp:
        fit = (catalog or load_catalog()).policy.fit
        return cls(target_sectors=fit.target_sectors, target_cities=fit.target_cities,
                   target_size_bands=fit.target_size_bands)


def fit_score(lead: Lead, enrichment: Enrichment, role: CommitteeRole | None, icp: Icp,
              catalog: Catalog) -> tuple[float, list[str]]:
    fit = catalog.policy.fit
    points = 0.0
    reasons: list[str] = []
    if enrichment.sector in icp.target_sectors:
        points += fit.points["sector"]
        reasons.append(catalog.message("rank", "sector_fit", sector=enrichment.sector,
                                       sector_ar=enrichment.sector_ar).ar)
    elif enrichment.sector is not None:
        reasons.append(catalog.message("rank", "sector_other", sector=enrichment.sector,
                                       sector_ar=enrichment.sector_ar).ar)
    if lead.city_id in icp.target_cities and lead.city_id is not None:
        points += fit.points["city"]
        reasons.append(catalog.message("rank", "city_fit", city=lead.city_id, city_ar=city(lead.city_id).name_ar).ar)
    if enrichment.size_band in icp.target_size_bands:
        points += fit.points["size"]
        band_ar = next(b.name_ar for b in catalog.sectors.size_bands if b.band == enrichment.size_band)
        reasons.append(catalog.message("rank", "size_fit", size=enrichment.size_band, size_ar=band_ar).ar)
    if role is not None:
        points += fit.role_points[role] * fit.points["role"] / max(fit.role_points.values())
        reasons.append(catalog.message("rank", "role_fit", role=role, role_ar=catalog.name_ar("role", role)).ar)
    filled = sum(v is not None for v in (lead.contact_name, lead.title, lead.phone, lead.email, lead.city_id))
    points += fit.points["completeness"] * filled / 5
    return min(points, 100.0), reasons


def why_now_score(signals: Sequence[Signal], catalog: Catalog) -> tuple[float, list[str]]:
    if not signals:
        return 0.0, []
    weights = sorted((s.weight for s in signals), reverse=True)
    score = weights[0] + catalog.policy.why_now.extra_signal_share * sum(weights[1:])
    reasons = [catalog.message("rank", "signal", name_ar=s.name_ar, kind=s.kind, evidence=s.evidence).ar
               for s in signals]
    return min(score, 100.0), reasons


def score_target(
    lead: Lead,
    *,
    enrichment: Enrichment,
    role: CommitteeRole | None,
    signals: Sequence[Signal],
    contactability: Contactability,
    icp: Icp,
    catalog: Catalog | None = None,
) -> ScoreBreakdown:
    return Scorer(icp, catalog or load_catalog()).score(lead, enrichment=enrichment, role=role, signals=signals,
                                                       contactability=contactability)


def assess_risk(lead: Lead, target_signals: Sequence[Signal], contactability: Contactability,
                role: CommitteeRole | None, catalog: Catalog | None = None, flags: Sequence[NoteFlag] = ()) -> Risk:
    return Scorer(None, catalog or load_catalog()).risk(lead, target_signals, contactability, role, flags)


class Scorer:
    """Scores and risks of one run (one ICP, one catalog).

    The parts that repeat across leads (the fit of a sector, city, size and role; the why-now of a
    set of signals; a risk) are worked out once per distinct input and reused: a 100k ranking has
    a few thousand distinct ones. Each memo is keyed by everything its function reads.
    """

    def __init__(self, icp: Icp | None, catalog: Catalog) -> None:
        self._icp, self._catalog = icp, catalog
        self._fit: dict[tuple[object, ...], tuple[float, list[str]]] = {}
        self._why_now: dict[tuple[object, ...], tuple[float, list[str]]] = {}
        self._risks: dict[tuple[object, ...], Risk] = {}
        self._weights = catalog.policy.weights.model_dump()  # copied into each breakdown

    def score(self, lead: Lead, *, enrichment: Enrichment, role: CommitteeRole | None, signals: Sequence[Signal],
              contactability: Contactability) -> ScoreBreakdown:
        catalog = self._catalog
        policy = catalog.policy
        assert self._icp is not None, "a Scorer built without an ICP can only assess risk"
        filled = sum(v is not None for v in (lead.contact_name, lead.title, lead.phone, lead.email, lead.city_id))
        fit_key = (enrichment.sector, enrichment.sector_ar, lead.city_id, enrichment.size_band, role, filled)
        fitted = self._fit.get(fit_key)
        if fitted is None:
            fitted = self._fit[fit_key] = fit_score(lead, enrichment, role, self._icp, catalog)
        fit, fit_reasons = fitted
        why_key = tuple((s.kind, s.weight, s.name_ar, s.evidence) for s in signals)
        timely = self._why_now.get(why_key)
        if timely is None:
            timely = self._why_now[why_key] = why_now_score(signals, catalog)
        why_now, why_reasons = timely
        contact = float(policy.contactability_score[contactability.status])
        relationship = float(lead.source.relationship)
        w = policy.weights
        total = w.fit * fit + w.why_now * why_now + w.contactability * contact + w.relationship * relationship
        reasons = [*fit_reasons, *why_reasons, contactability.reason_ar,
                   catalog.message("rank", "relationship", points=lead.source.relationship).ar]
        return trusted(  # every value computed just above, typed by mypy: no need to validate again
            ScoreBreakdown, fit=round(fit, 2), why_now=round(why_now, 2), contactability=contact,
            relationship=relationship, weights=dict(self._weights), total=round(total, 2), reasons_ar=reasons,
        )

    def risk(self, lead: Lead, target_signals: Sequence[Signal], contactability: Contactability,
             role: CommitteeRole | None, flags: Sequence[NoteFlag] = ()) -> Risk:
        """The risk of acting on a target; one shared (frozen) object per distinct outcome."""
        key = (contactability.status, contactability.reason_ar, bool(target_signals), tuple(flags),
               any(v.not_before is not None for v in contactability.channels if v.status == "safe"),
               lead.email is not None and lead.email_domain is None, lead.source.relationship < 30,
               role == "blocker")
        found = self._risks.get(key)
        if found is None:
            found = self._risks[key] = _assess_risk(lead, target_signals, contactability, role, self._catalog,
                                                    flags)
        return found


def _assess_risk(lead: Lead, target_signals: Sequence[Signal], contactability: Contactability,
                 role: CommitteeRole | None, catalog: Catalog, flags: Sequence[NoteFlag] = ()) -> Risk:
    injected = [catalog.message("risk", "notes_instruction").ar] if "notes_instruction" in flags else []
    if contactability.status != "safe":
        return Risk(level="high", reasons_ar=[contactability.reason_ar, *injected])
    reasons: list[str] = [*injected]
    if not target_signals:
        reasons.append(catalog.message("risk", "no_why_now").ar)
    if any(v.not_before is not None for v in contactability.channels if v.status == "safe"):
        reasons.append(catalog.message("risk", "deferred").ar)
    if lead.email is not None and lead.email_domain is None:
        reasons.append(catalog.message("risk", "free_mail").ar)
    if lead.source.relationship < 30:
        reasons.append(catalog.message("risk", "cold_source").ar)
    if role == "blocker":
        reasons.append(catalog.message("risk", "blocker_role").ar)
    if not reasons:
        return Risk(level="low", reasons_ar=[catalog.message("risk", "low").ar])
    return Risk(level="high" if injected else "medium", reasons_ar=reasons)


def rank(targets: Sequence[Target]) -> list[Target]:
    """Highest total first; ties broken by lead id, so the order never depends on input order."""
    return sorted(targets, key=lambda t: (-t.score.total, t.lead_id))
