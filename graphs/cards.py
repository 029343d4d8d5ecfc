"""The card desk wired to the graphs: card buttons answer through the approval inbox, and an autopilot
approval's card names the company read back from its thread.

The shell (API, CLI) builds the desk with these; the card skill itself (:mod:`skills.cards`) knows
neither graphs nor checkpoints: it takes a ``company_of`` lookup and an :class:`ApprovalResumer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphs.autopilot import build_autopilot_graph
from graphs.checkpoint import open_checkpointer, thread_config
from graphs.inbox import decide_approval
from skills.cards.decisions import CardDecider
from skills.cards.resume import ResumeOutcome
from skills.cards.service import CardService
from tools.errors import GatewayError
from tools.gateway import Gateway
from tools.models import ApprovalRequest, ApprovalVerdict, Caller
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


def build_card_service(settings: Settings, tenant: str = "default", *, gateway: Gateway,
                       clock: Clock = system_clock) -> CardService:
    return CardService(tenant, gateway=gateway, clock=clock, company_of=thread_companies(settings, tenant))


def build_decider(settings: Settings, service: CardService) -> CardDecider:
    """A decider that resumes the graph thread waiting on an approval (the gateway's path otherwise)."""
    return CardDecider(service, InboxResumer(settings, service.gateway, clock=service.clock))


class InboxResumer:
    """Answer through the approval inbox: the waiting thread resumes, or the gateway resolves and executes.

    A card press goes the way every other answer goes (:func:`graphs.inbox.decide_approval`), so a decision
    means the same from the console, the API, the CLI and WhatsApp; the approver is the caller handed in."""

    def __init__(self, settings: Settings, gateway: Gateway, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock

    def __call__(self, approval: ApprovalRequest, caller: Caller, verdict: ApprovalVerdict, *,
                 edited_args: dict[str, Any] | None, reason: str | None) -> ResumeOutcome:
        with open_checkpointer(self.settings) as checkpointer:
            result = decide_approval(settings=self.settings, gateway=self.gateway, checkpointer=checkpointer,
                                     caller=caller, approval_id=approval.approval_id, verdict=verdict,
                                     edited_args=edited_args, reason=reason, clock=self.clock)
        return ResumeOutcome(message_ar=result.message_ar, execution_status=result.outcome,
                             ledger_id=result.draft_id, pending=[a.approval_id for a in result.follow_up])


def thread_companies(settings: Settings, tenant: str) -> Callable[[ApprovalRequest], str | None]:
    """The company an autopilot approval is about, read once per thread from the thread's state."""
    cache: dict[str, dict[str, str]] = {}

    def company_of(approval: ApprovalRequest) -> str | None:
        if approval.thread_id not in cache:
            cache[approval.thread_id] = _companies_in_thread(settings, tenant, approval.thread_id)
        lead_id = approval.tool_call_id.split(":", 1)[0]
        return cache[approval.thread_id].get(lead_id)

    return company_of


def _companies_in_thread(settings: Settings, tenant: str, thread_id: str) -> dict[str, str]:
    try:
        config = thread_config(thread_id, tenant=tenant)
    except (ValueError, GatewayError):  # not a graph thread, or another tenant's: no company to name
        return {}
    with open_checkpointer(settings) as checkpointer:
        values = build_autopilot_graph(checkpointer).get_state(config).values
    return {t.lead_id: t.company_name for t in values.get("targets") or []}


__all__ = ["InboxResumer", "build_card_service", "build_decider", "thread_companies"]
