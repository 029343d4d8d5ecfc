"""Forecast periods as a Saudi reader counts them: Riyadh days, weeks from Sunday, calendar months.

A week runs Sunday to Saturday (the working week is Sunday–Thursday, so the weekend closes it); a
moment belongs to the period of its Riyadh calendar day, so Saturday 23:30 UTC is already Sunday in
Riyadh and opens the next week.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from skills.governance.models import Granularity
from tools.saudi_time import RIYADH


def riyadh_day(moment: datetime) -> date:
    return moment.astimezone(RIYADH).date()


def period_start(granularity: Granularity, day: date) -> date:
    """The Sunday that opens ``day``'s week, or the first of its month."""
    if granularity == "week":
        return day - timedelta(days=(day.weekday() + 1) % 7)
    return day.replace(day=1)


def next_start(granularity: Granularity, start: date) -> date:
    if granularity == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def shift(granularity: Granularity, start: date, periods: int) -> date:
    """The start ``periods`` periods after (or, negative, before) ``start``."""
    if granularity == "week":
        return start + timedelta(days=7 * periods)
    month = start.month - 1 + periods
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_end(granularity: Granularity, start: date) -> date:
    """The last day of the period, included."""
    return next_start(granularity, start) - timedelta(days=1)


def starts(granularity: Granularity, first: date, last: date) -> Iterator[date]:
    """The starts of every period that holds a day of [first, last]."""
    start = period_start(granularity, first)
    while start <= last:
        yield start
        start = next_start(granularity, start)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[since, until): Riyadh midnight of the first day and the midnight after the last day."""
    return (datetime.combine(start, time(0), tzinfo=RIYADH),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=RIYADH))


def period_key(granularity: Granularity, start: date) -> str:
    return f"W{start.isoformat()}" if granularity == "week" else f"{start.year:04d}-{start.month:02d}"
