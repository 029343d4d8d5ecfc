"""Builds the card desk from settings, and refreshes it from the current state on demand.

The API and the CLI call these; nothing is opened until they do. Cards live in the gateway's store
(``settings.sqlite_path``); the opportunities come from the tenant's imported leads (the Targeting
OS's daily selection), the approvals and blocked attempts from the gateway.
"""

from __future__ import annotations

from collections.abc import Callable

from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from skills.cards.decisions import CardDecider
from skills.cards.resume import InboxResumer
from skills.cards.service import CardService, PublishReport
from skills.targeting.models import Target
from tools.errors import GatewayError
from tools.gateway import Gateway
from tools.models import ApprovalRequest
from tools.saudi_time import Clock, system_clock


def build_card_service(settings: Settings | None = None, tenant: str = "default", *, gateway: Gateway | None = None,
                       clock: Clock = system_clock) -> CardService:
    settings = settings or get_settings()
    gateway = gateway or build_gateway(settings, clock=clock)
    return CardService(tenant, gateway=gateway, clock=clock, company_of=_thread_companies(settings, tenant))


def build_decider(settings: Settings, service: CardService) -> CardDecider:
    """A decider that resumes the graph thread waiting on an approval (the gateway's path otherwise)."""
    return CardDecider(service, InboxResumer(settings, service.gateway, clock=service.clock))


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


def _thread_companies(settings: Settings, tenant: str) -> Callable[[ApprovalRequest], str | None]:
    """The company an autopilot approval is about, read once per thread from the thread's state."""
    cache: dict[str, dict[str, str]] = {}

    def company_of(approval: ApprovalRequest) -> str | None:
        if approval.thread_id not in cache:
            cache[approval.thread_id] = _companies_in_thread(settings, tenant, approval.thread_id)
        lead_id = approval.tool_call_id.split(":", 1)[0]
        return cache[approval.thread_id].get(lead_id)

    return company_of


def _companies_in_thread(settings: Settings, tenant: str, thread_id: str) -> dict[str, str]:
    from graphs.autopilot import build_autopilot_graph
    from graphs.checkpoint import open_checkpointer, thread_config

    try:
        config = thread_config(thread_id, tenant=tenant)
    except (ValueError, GatewayError):  # not a graph thread, or another tenant's: no company to name
        return {}
    with open_checkpointer(settings) as checkpointer:
        values = build_autopilot_graph(checkpointer).get_state(config).values
    return {t.lead_id: t.company_name for t in values.get("targets") or []}
