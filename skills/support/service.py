"""Customer Ops as one service: intake -> classify -> prioritise -> SLA -> reply draft -> CSAT -> churn.

What the customer_success_operator skill node, the API and the CLI call. Every ticket belongs to
one tenant; a lookup with another tenant's id raises :class:`TicketNotFound` like a missing one.
Each change is recorded with the gateway as the internal ``support.ticket_update`` action (ids,
category, priority, status, owner, flags: never the text or the contact details); a resolution is
the internal ``support.ticket_resolve`` action, for which the gateway records the
``support_ticket_resolved`` revenue work unit.

Ticket text is data, never instructions: nothing here (or in the graph) derives an action from
it. Logs carry ticket ids and labels only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from skills.support.business_time import BusinessCalendar, default_calendar
from skills.support.catalog import Catalog, load_catalog
from skills.support.churn import churn_risk
from skills.support.classify import classify
from skills.support.errors import CsatNotAllowed, InvalidCsat, InvalidTransition, TicketNotFound
from skills.support.models import (
    ChurnRisk,
    CsatRecord,
    Escalation,
    IncomingTicket,
    ReplyDraft,
    SlaStatus,
    Ticket,
    TicketStatus,
)
from skills.support.replies import SKILL, draft_reply
from skills.support.repository import SupportRepository
from skills.support.sla import LEVEL_RANK, due_times, escalation_role, sla_status
from tools.consent_book import ConsentBook
from tools.consent_words import is_stop_request
from tools.gateway import Gateway
from tools.models import Channel, GatewayResult, ToolCall
from tools.pii import PiiMasker

log = logging.getLogger("dealix.support")

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    "open": frozenset({"in_progress", "waiting_customer", "resolved", "closed"}),
    "in_progress": frozenset({"waiting_customer", "resolved", "closed"}),
    "waiting_customer": frozenset({"in_progress", "resolved", "closed"}),
    "resolved": frozenset({"closed", "open"}),
    "closed": frozenset({"open"}),
}
IdFactory = Callable[[], str]
# Publishes a card for an escalation or a churn risk; returns its id (None when cards are off).
CardPublisher = Callable[[Ticket | None, Escalation | ChurnRisk], str | None]


def _ticket_id() -> str:
    return f"T-{uuid.uuid4().hex[:8].upper()}"


class SupportService:
    def __init__(self, repository: SupportRepository, *, tenant: str, clock: Callable[[], datetime],
                 masker: PiiMasker, gateway: Gateway | None = None, calendar: BusinessCalendar | None = None,
                 ids: IdFactory = _ticket_id, cards: CardPublisher | None = None,
                 catalog: Catalog | None = None) -> None:
        self.repository, self.tenant, self.clock, self.masker = repository, tenant, clock, masker
        self.gateway = gateway
        self.calendar = calendar or default_calendar()
        self.catalog = catalog or load_catalog()
        self._ids = ids
        self._cards = cards

    # -- tickets -----------------------------------------------------------------------------
    def create(self, incoming: IncomingTicket, *, actor: str = "intake") -> Ticket:
        now = self.clock()
        classification = classify(incoming.body, incoming.subject, self.catalog)
        first_due, resolution_due = due_times(now, classification.priority, self.calendar, self.catalog)
        ticket_id = self._ids()
        ticket = Ticket(
            ticket_id=ticket_id, tenant=self.tenant, source=incoming.source,
            customer_ref=self._customer_ref(incoming, ticket_id), customer_name=incoming.customer_name,
            customer_email=incoming.customer_email, customer_phone=incoming.customer_phone, subject=incoming.subject,
            body=incoming.body, classification=classification, priority=classification.priority, status="open",
            owner_role=self.catalog.sla.owners[classification.category], created_at=now,
            first_response_due=first_due, resolution_due=resolution_due,
        )
        self._save(ticket, "created", actor, now)
        self._honour_stop(incoming, ticket_id, actor)
        log.info("support ticket %s created: %s, priority %s, flags %s", ticket_id, classification.category,
                 ticket.priority, ",".join(classification.flags) or "-")
        return ticket

    def _honour_stop(self, incoming: IncomingTicket, ticket_id: str, actor: str) -> None:
        """A contact's WhatsApp "STOP" / "إيقاف" / "الغاء" is an opt-out for that number, recorded at once."""
        if (incoming.source != "whatsapp" or not incoming.customer_phone or self.gateway is None
                or not is_stop_request(incoming.body)):
            return
        ConsentBook(self.gateway.store, self.gateway.audit, clock=self.clock, registry=self.gateway.consent).opt_out(
            self.tenant, incoming.customer_phone, Channel.all, source=f"whatsapp_inbound:{ticket_id}", actor=actor)
        log.info("support ticket %s: the sender asked to stop; opt-out recorded", ticket_id)

    def get(self, ticket_id: str) -> Ticket:
        ticket = self.repository.get(self.tenant, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        return ticket

    def tickets(self, *, status: TicketStatus | None = None, category: str | None = None,
                limit: int = 500) -> list[Ticket]:
        return self.repository.tickets(self.tenant, status=status, category=category, limit=limit)

    def set_status(self, ticket_id: str, status: TicketStatus, *, actor: str) -> Ticket:
        ticket = self.get(ticket_id)
        if status not in TRANSITIONS[ticket.status]:
            statuses = self.catalog.messages.statuses
            raise InvalidTransition("invalid_status", from_ar=statuses[ticket.status], to_ar=statuses[status],
                                    from_status=ticket.status, to_status=status)
        now = self.clock()
        update: dict[str, Any] = {"status": status}
        if status == "resolved":
            update["resolved_at"] = now
        elif status == "open":
            update["resolved_at"] = None
        changed = ticket.model_copy(update=update)
        # A resolution is its own internal action: the gateway records its support_ticket_resolved unit.
        self._save(changed, f"status_{status}", actor, now,
                   action="support.ticket_resolve" if status == "resolved" else "support.ticket_update")
        return changed

    def mark_responded(self, ticket_id: str, *, actor: str, at: datetime | None = None) -> Ticket:
        """The first response left (a reply draft was approved and placed): stop the first-response clock."""
        ticket = self.get(ticket_id)
        if ticket.first_response_at is not None:
            return ticket
        now = at or self.clock()
        changed = ticket.model_copy(update={"first_response_at": now,
                                            "status": "in_progress" if ticket.status == "open" else ticket.status})
        self._save(changed, "responded", actor, now)
        return changed

    # -- SLA -----------------------------------------------------------------------------------
    def sla(self, ticket_id: str) -> SlaStatus:
        return sla_status(self.get(ticket_id), self.clock(), self.calendar, self.catalog)

    def sla_report(self) -> list[SlaStatus]:
        """Open tickets that need attention (warning or breach), most severe first."""
        now = self.clock()
        open_tickets = self.repository.tickets(self.tenant, open_only=True)
        report = [sla_status(t, now, self.calendar, self.catalog) for t in open_tickets]
        flagged = [s for s in report if s.level != "none"]
        return sorted(flagged, key=lambda s: (-LEVEL_RANK[s.level], s.resolution.due_at, s.ticket_id))

    def escalate_due(self, *, actor: str = "sla_monitor") -> list[Escalation]:
        """Escalate every open ticket whose SLA state got worse since its last escalation; once per level."""
        now = self.clock()
        found = (self._escalate(t, now, actor) for t in self.repository.tickets(self.tenant, open_only=True))
        return [e for e in found if e is not None]

    def escalate(self, ticket_id: str, *, actor: str = "sla_monitor") -> Escalation | None:
        """Escalate one ticket if its SLA state calls for a level it has not reached yet."""
        ticket = self.get(ticket_id)
        if ticket.status in ("resolved", "closed"):
            return None
        return self._escalate(ticket, self.clock(), actor)

    def _escalate(self, ticket: Ticket, now: datetime, actor: str) -> Escalation | None:
        status = sla_status(ticket, now, self.calendar, self.catalog)
        if LEVEL_RANK[status.level] <= LEVEL_RANK[ticket.escalation]:
            return None
        role = escalation_role(status.level, self.catalog)
        assert role is not None and status.message_ar is not None
        escalation = Escalation(ticket_id=ticket.ticket_id, level=status.level, role=role,
                                message_ar=status.message_ar, at=now)
        changed = ticket.model_copy(update={"escalation": status.level})
        if self._cards is not None:
            escalation = escalation.model_copy(update={"card_id": self._cards(changed, escalation)})
        self._save(changed, f"escalated_{status.level}", actor, now,
                   extra={"role": role.value, "card_id": escalation.card_id})
        log.info("support ticket %s escalated: %s to %s", ticket.ticket_id, status.level, role.value)
        return escalation

    # -- CSAT and churn -------------------------------------------------------------------------
    def record_csat(self, ticket_id: str, score: object, comment: str | None = None) -> CsatRecord:
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidCsat()
        ticket = self.get(ticket_id)
        if ticket.status not in ("resolved", "closed"):
            raise CsatNotAllowed("csat_before_resolution")
        record = CsatRecord(ticket_id=ticket_id, score=score, comment=(comment or "").strip()[:2000] or None,
                            recorded_at=self.clock())
        if not self.repository.add_csat(self.tenant, record):
            raise CsatNotAllowed("csat_already_recorded")
        self._save(ticket, "csat", "customer", record.recorded_at, extra={"csat": score})
        return record

    def churn(self, customer_ref: str | None = None) -> list[ChurnRisk]:
        """Churn risk per customer (all customers with recent tickets, highest score first)."""
        now = self.clock()
        tickets = self.repository.tickets(self.tenant, limit=100_000)
        csat = self.repository.csat(self.tenant)
        breached = {t.ticket_id for t in tickets
                    if sla_status(t, now, self.calendar, self.catalog).state in ("breached", "late")}
        refs = sorted({t.customer_ref for t in tickets} if customer_ref is None else {customer_ref})
        risks = [churn_risk(ref, tickets, csat, breached, now, self.catalog) for ref in refs]
        risks = [r for r in risks if r.tickets]
        return sorted(risks, key=lambda r: (-r.score, r.customer_ref))

    def publish_churn_cards(self, *, minimum: str = "high") -> list[tuple[ChurnRisk, str | None]]:
        """A customer-success card for each customer at (or above) ``minimum`` churn risk."""
        if self._cards is None:
            return []
        wanted = ("high",) if minimum == "high" else ("medium", "high")
        return [(risk, self._cards(None, risk)) for risk in self.churn() if risk.level in wanted]

    # -- replies ----------------------------------------------------------------------------------
    def draft_reply(self, ticket_id: str) -> ReplyDraft:
        return draft_reply(self.get(ticket_id), masker=self.masker, catalog=self.catalog)

    # -- internals ----------------------------------------------------------------------------------
    def _customer_ref(self, incoming: IncomingTicket, ticket_id: str) -> str:
        if incoming.customer_id:
            return f"acct:{incoming.customer_id}"
        contact = incoming.customer_email or incoming.customer_phone
        if contact:
            # A keyed pseudonym: the same contact is one customer, and the ref reveals nothing.
            return "cust:" + self.masker.tag("CUSTOMER", contact).split(":", 1)[1].rstrip("]")
        return f"anon:{ticket_id}"

    def _save(self, ticket: Ticket, event: str, actor: str, now: datetime, extra: dict[str, Any] | None = None,
              action: str = "support.ticket_update") -> GatewayResult | None:
        c = ticket.classification
        detail: dict[str, Any] = {"status": ticket.status, "category": c.category, "priority": ticket.priority,
                                  "owner_role": ticket.owner_role.value, "flags": list(c.flags),
                                  "escalation": ticket.escalation, **(extra or {})}
        self.repository.save(ticket, event=event, actor=actor, detail=detail, at=now)
        if self.gateway is None:
            return None
        return self.gateway.invoke(ToolCall(
            tenant=self.tenant, skill=SKILL, action=action, thread_id=f"ticket:{ticket.ticket_id}",
            tool_call_id=f"{event}:{now.isoformat()}", args={"ticket_id": ticket.ticket_id, "event": event, **detail},
        ), actor=actor)
