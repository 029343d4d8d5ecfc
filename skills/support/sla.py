"""SLA timers on Saudi business time: due times, clock states, breach warnings and escalation levels.

Two clocks per ticket, both counted in business minutes from creation (``data/sla.yaml`` targets,
:class:`~skills.support.business_time.BusinessCalendar`):

    first_response ... stops at the first response (or at resolution, whichever comes first)
    resolution ....... stops when the ticket is resolved

    running:  ok ─(warning_at of the target used)─▶ warning ─(due time passed)─▶ breached
    stopped:  met (in time) | late (after the due time)

Escalation follows the worse running clock: warning -> the support team; breached -> service
delivery; breached on an urgent ticket or a cancellation risk -> the CEO (``critical_breach``).
"""

from __future__ import annotations

from datetime import datetime

from skills.support.business_time import BusinessCalendar
from skills.support.catalog import Catalog, load_catalog
from skills.support.models import ClockName, ClockState, EscalationLevel, Priority, SlaClock, SlaStatus, Ticket
from tools.models import Role

_RANK: dict[ClockState, int] = {"met": 0, "ok": 1, "warning": 2, "late": 3, "breached": 4}
LEVEL_RANK: dict[EscalationLevel, int] = {"none": 0, "warning": 1, "breach": 2, "critical_breach": 3}


def due_times(created_at: datetime, priority: Priority, calendar: BusinessCalendar,
              catalog: Catalog | None = None) -> tuple[datetime, datetime]:
    target = (catalog or load_catalog()).sla.targets[priority]
    return (calendar.add_minutes(created_at, target.first_response),
            calendar.add_minutes(created_at, target.resolution))


def clock_state(clock: ClockName, *, target: int, created_at: datetime, due_at: datetime, stopped_at: datetime | None,
                now: datetime, calendar: BusinessCalendar, warning_at: float) -> SlaClock:
    end = stopped_at if stopped_at is not None and stopped_at <= now else None
    elapsed = calendar.minutes_between(created_at, end or now)
    state: ClockState
    if end is not None:
        state = "met" if end <= due_at else "late"
    elif now >= due_at:
        state = "breached"
    elif elapsed >= warning_at * target:
        state = "warning"
    else:
        state = "ok"
    remaining = target - elapsed if state != "breached" else -calendar.minutes_between(due_at, now)
    return SlaClock(clock=clock, target_minutes=target, due_at=calendar.local(due_at),
                    elapsed_minutes=round(elapsed, 1), remaining_minutes=round(remaining, 1), state=state,
                    stopped_at=end)


def escalation_role(level: EscalationLevel, catalog: Catalog | None = None) -> Role | None:
    spec = (catalog or load_catalog()).sla.escalation
    return {"warning": spec.warning, "breach": spec.breach, "critical_breach": spec.critical_breach}.get(level)


def sla_status(ticket: Ticket, now: datetime, calendar: BusinessCalendar, catalog: Catalog | None = None) -> SlaStatus:
    catalog = catalog or load_catalog()
    spec = catalog.sla
    target = spec.targets[ticket.priority]
    responded = min((t for t in (ticket.first_response_at, ticket.resolved_at) if t is not None), default=None)
    first = clock_state("first_response", target=target.first_response, created_at=ticket.created_at,
                        due_at=ticket.first_response_due, stopped_at=responded, now=now, calendar=calendar,
                        warning_at=spec.warning_at)
    resolution = clock_state("resolution", target=target.resolution, created_at=ticket.created_at,
                             due_at=ticket.resolution_due, stopped_at=ticket.resolved_at, now=now, calendar=calendar,
                             warning_at=spec.warning_at)
    worst = max((first, resolution), key=lambda c: (_RANK[c.state], c.clock == "first_response"))
    level: EscalationLevel = "none"
    if worst.state == "breached":
        critical = ticket.priority == "urgent" or ticket.classification.category == "cancellation_risk"
        level = "critical_breach" if critical else "breach"
    elif worst.state == "warning":
        level = "warning"
    return SlaStatus(ticket_id=ticket.ticket_id, priority=ticket.priority, first_response=first,
                     resolution=resolution, state=worst.state, level=level,
                     message_ar=_message(ticket, worst, catalog) if level != "none" else None)


def _message(ticket: Ticket, clock: SlaClock, catalog: Catalog) -> str:
    texts = catalog.messages.sla
    params = {"clock": getattr(texts, clock.clock), "ticket_id": ticket.ticket_id,
              "category_ar": ticket.classification.category_ar,
              "priority_ar": catalog.messages.priorities[ticket.priority],
              "due": clock.due_at.strftime("%Y-%m-%d %H:%M"), "remaining": f"{max(clock.remaining_minutes, 0):.0f}"}
    return (texts.breached if clock.state == "breached" else texts.warning).format(**params)
