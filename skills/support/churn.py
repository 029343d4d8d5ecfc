"""Churn-risk signals per customer: cancellation words, complaints, low CSAT, SLA breaches, repeats.

    score = min(100, Σ signal points)       each signal's points capped (``data/churn.yaml``)
    level = high (>= levels.high) | medium (>= levels.medium) | low

Only tickets created within the last ``window_days`` count. Every signal names its tickets and
states its reason in Arabic, so a person can check the evidence before calling the customer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from skills.support.catalog import Catalog, load_catalog
from skills.support.models import ChurnLevel, ChurnRisk, ChurnSignal, ChurnSignalKind, CsatRecord, Ticket


def _mentions(ticket: Ticket, category: str) -> bool:
    return ticket.classification.category == category or category in ticket.classification.secondary


def churn_risk(customer_ref: str, tickets: Sequence[Ticket], csat: Mapping[str, CsatRecord],
               breached: Collection[str], now: datetime, catalog: Catalog | None = None) -> ChurnRisk:
    catalog = catalog or load_catalog()
    spec, texts = catalog.churn, catalog.messages.churn
    recent = sorted((t for t in tickets if t.customer_ref == customer_ref
                     and t.created_at >= now - timedelta(days=spec.window_days)),
                    key=lambda t: (t.created_at, t.ticket_id))
    signals: list[ChurnSignal] = []

    def add(kind: ChurnSignalKind, ids: list[str], reason: str, *, per_item: bool = True) -> None:
        if not ids:
            return
        points = spec.points[kind] * (len(ids) if per_item else 1)
        points = min(points, spec.caps.get(kind, points))
        signals.append(ChurnSignal(kind=kind, count=len(ids), points=points, reason_ar=reason, ticket_ids=tuple(ids)))

    cancel = [t.ticket_id for t in recent if _mentions(t, "cancellation_risk")]
    add("cancellation_words", cancel, texts.cancellation_words.format(count=len(cancel)), per_item=False)
    complaints = [t.ticket_id for t in recent if _mentions(t, "complaint")]
    add("complaint", complaints, texts.complaint.format(count=len(complaints), days=spec.window_days))
    low = [t.ticket_id for t in recent if t.ticket_id in csat and csat[t.ticket_id].score <= spec.low_csat_max]
    add("low_csat", low, texts.low_csat.format(count=len(low), scores="، ".join(str(csat[i].score) for i in low)))
    late = [t.ticket_id for t in recent if t.ticket_id in breached]
    add("sla_breach", late, texts.sla_breach.format(count=len(late)))
    window = now - timedelta(days=spec.repeat_window_days)
    repeats = [t.ticket_id for t in recent if t.created_at >= window]
    if len(repeats) >= spec.repeat_threshold:
        add("repeat_tickets", repeats, texts.repeat_tickets.format(count=len(repeats), days=spec.repeat_window_days),
            per_item=False)
    score = min(100.0, sum(s.points for s in signals))
    level: ChurnLevel = ("high" if score >= spec.levels["high"] else "medium" if score >= spec.levels["medium"]
                         else "low")
    name = next((t.customer_name for t in reversed(recent) if t.customer_name), None)
    return ChurnRisk(customer_ref=customer_ref, customer_name=name, score=score, level=level,
                     level_ar=texts.levels[level], signals=tuple(signals), tickets=len(recent))
