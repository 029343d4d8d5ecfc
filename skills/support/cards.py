"""Customer Ops as decision cards: SLA escalations (type ``support``) and churn risks
(type ``customer_success``).

The card factory (:mod:`skills.cards.factory`) enforces the card rules; this module brings the
Arabic text and facts from ``data/messages.yaml``. :func:`card_publisher` plugs a
:class:`skills.cards.service.CardService` into :class:`SupportService` (publication is the audited
``card.publish`` action).
"""

from __future__ import annotations

from skills.cards.factory import CardFactory
from skills.cards.models import Card
from skills.cards.service import CardService
from skills.support.catalog import Catalog, load_catalog
from skills.support.models import ChurnRisk, Escalation, Ticket
from skills.support.replies import SKILL
from skills.support.service import CardPublisher
from tools.models import RWUType

_URGENCY = {"warning": 75, "breach": 90, "critical_breach": 100}


def escalation_card(factory: CardFactory, ticket: Ticket, escalation: Escalation,
                    catalog: Catalog | None = None) -> Card:
    catalog = catalog or load_catalog()
    texts = catalog.messages
    action = texts.sla.warning_action if escalation.level == "warning" else texts.sla.escalate_action
    return factory.support(
        ref=f"{ticket.ticket_id}:{escalation.level}",
        title_ar=texts.sla.escalate_title.format(category_ar=ticket.classification.category_ar),
        why_now_ar=escalation.message_ar,
        recommended_action_ar=action.format(ticket_id=ticket.ticket_id),
        role=escalation.role,
        risk_level="medium" if escalation.level == "warning" else "high",
        urgency=_URGENCY.get(escalation.level, 70),
        skill=SKILL,
        contact_id=ticket.customer_ref,
        due_at=ticket.resolution_due if ticket.first_response_at else ticket.first_response_due,
        dedupe_key=f"support_sla:{ticket.ticket_id}",
        facts={"التذكرة": ticket.ticket_id, "الأولوية": texts.priorities[ticket.priority],
               "الفئة": ticket.classification.category_ar},
    )


def churn_card(factory: CardFactory, risk: ChurnRisk, catalog: Catalog | None = None) -> Card:
    catalog = catalog or load_catalog()
    texts = catalog.messages.churn
    return factory.customer_success(
        ref=f"churn:{risk.customer_ref}",
        title_ar=texts.title.format(customer=risk.customer_name or risk.customer_ref),
        why_now_ar=" ".join(s.reason_ar for s in risk.signals) or texts.action,
        recommended_action_ar=texts.action,
        risk_level=risk.level,
        impact=max(0, min(100, round(risk.score))),
        proof_impact=RWUType.deal_risk_detected,
        skill=SKILL,
        contact_id=risk.customer_ref,
        dedupe_key=f"churn:{risk.customer_ref}",
        facts={"درجة الخطر": f"{risk.score:.0f}", "المستوى": risk.level_ar, "عدد التذاكر": str(risk.tickets)},
    )


def card_publisher(cards: CardService, catalog: Catalog | None = None) -> CardPublisher:
    """A publisher for :class:`SupportService`: builds the card, publishes it, returns its id (None if refused)."""

    def publish(ticket: Ticket | None, event: Escalation | ChurnRisk) -> str | None:
        if isinstance(event, Escalation):
            assert ticket is not None
            card = escalation_card(cards.factory, ticket, event, catalog)
        else:
            card = churn_card(cards.factory, event, catalog)
        report = cards.publish([card])
        return card.card_id if report.new or report.updated else None

    return publish
