"""Company enrichment from the data provided: domain, sector, size band, CR number check.

External enrichment (tavily, apollo, people_data_labs, clay) lives in the integration registry
(``tools/data/integrations.yaml``) behind the gateway, disabled by default; nothing here reaches
the network.
"""

from __future__ import annotations

import re
from functools import lru_cache

from skills.targeting.catalog import load_catalog
from skills.targeting.keywords import KeywordSet
from skills.targeting.models import Enrichment, Lead
from skills.targeting.records import trusted
from skills.targeting.textkeys import match_key
from tools.integrations import Integration, load_integrations

_CR = re.compile(r"^[1-7]\d{9}$")
_HOST = re.compile(r"^(?:[a-z]+://)?(?:www\.)?([a-z0-9.-]+\.[a-z]{2,24})", re.IGNORECASE)


@lru_cache(maxsize=1)
def _sectors() -> tuple[tuple[str, str, KeywordSet], ...]:
    return tuple((sector_id, s.name_ar, KeywordSet.of(s.keywords))
                 for sector_id, s in load_catalog().sectors.sectors.items())


def sector_of(*texts: str | None) -> tuple[str, str] | None:
    """(sector id, Arabic name) from the first text that names a sector."""
    for text in texts:
        found = _sector_in(match_key(text))
        if found is not None:
            return found
    return None


@lru_cache(maxsize=1 << 14)
def _sector_in(key: str) -> tuple[str, str] | None:
    for sector_id, name_ar, keywords in _sectors():
        if keywords.first_hit(key):
            return sector_id, name_ar
    return None


def size_band(employees: int | None) -> str | None:
    if employees is None or employees < 1:
        return None
    band = None
    for entry in load_catalog().sectors.size_bands:
        if employees >= entry.min:
            band = entry.band
    return band


def domain_of(lead: Lead) -> str | None:
    if lead.email_domain:
        return lead.email_domain
    if lead.website:
        found = _HOST.match(lead.website.strip())
        if found:
            return found.group(1).lower()
    return None


def cr_valid(cr_number: str | None) -> bool | None:
    return None if cr_number is None else bool(_CR.match(cr_number))


def enrich(lead: Lead) -> Enrichment:
    sector = sector_of(lead.sector_raw, lead.company_name, lead.notes)
    return trusted(
        Enrichment, domain=domain_of(lead), sector=sector[0] if sector else None,
        sector_ar=sector[1] if sector else None, size_band=size_band(lead.employees), cr_valid=cr_valid(lead.cr_number),
    )


EXTERNAL_PROVIDERS = ("tavily", "apollo", "people_data_labs", "clay")


def external_providers() -> dict[str, Integration]:
    """The external enrichment integrations as the registry holds them (safe default: disabled)."""
    registry = load_integrations()
    return {name: registry.get(name) for name in EXTERNAL_PROVIDERS if name in registry}
