"""Is a partner also a competitor? Flagged when it sells what the tenant sells, or the team says so.

A competitor can still refer business, so it is not dropped: the flag carries the shared services,
an Arabic warning, and the penalty the scorecard subtracts in plain sight. Offers to a flagged
partner are limited to referral fees (no co-delivery, no revenue share).
"""

from __future__ import annotations

from skills.partners.catalog import Catalog
from skills.partners.models import CompetitorFlag, PartnerCandidate, PartnerProfile


def competitor_flag(candidate: PartnerCandidate, profile: PartnerProfile, catalog: Catalog) -> CompetitorFlag:
    shared = tuple(s for s in candidate.services if s in profile.services)
    if not shared and not candidate.declared_competitor:
        return CompetitorFlag(flagged=False)
    penalty = catalog.scorecard.competitor.penalty
    if shared:
        text = catalog.messages.competitor["shared"]
        params = {"services_ar": "، ".join(catalog.service_ar(s) for s in shared), "services": ", ".join(shared),
                  "penalty": f"{penalty:g}"}
    else:
        text = catalog.messages.competitor["declared"]
        params = {"penalty": f"{penalty:g}"}
    return CompetitorFlag(flagged=True, shared_services=shared, declared=candidate.declared_competitor,
                          reason_ar=text.ar.format(**params), reason_en=text.en.format(**params), penalty=penalty)
