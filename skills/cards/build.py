"""Refreshes the card desk from the current state on demand (the desk itself is wired in graphs.cards).

The API and the CLI call these; nothing is opened until they do. Cards live in the gateway's store
(``settings.sqlite_path``); the opportunities come from the tenant's imported leads (the Targeting
OS's daily selection), the approvals and blocked attempts from the gateway.
"""

from __future__ import annotations

from skills.cards.service import CardService, PublishReport
from skills.targeting.models import Target
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


def todays_targets(settings: Settings, tenant: str, *, clock: Clock = system_clock) -> list[Target]:
    """The tenant's daily selection from its imported leads; none when it has imported none."""
    from skills.targeting.factory import build_service

    service = build_service(settings, tenant=tenant, clock=clock)
    try:
        if service.repository.count_leads(tenant) == 0:
            return []
        return [pick.target for pick in service.daily().top]
    finally:
        service.repository.close()


def refresh(service: CardService, settings: Settings) -> PublishReport:
    """Cards from the current state: pending approvals, new blocked attempts, today's opportunities."""
    return service.sync(targets=todays_targets(settings, service.tenant, clock=service.clock))
