"""Saudi calendar arithmetic for the growth loop: business days, Riyadh days and weeks, Hijri dates.

The working week is Sunday-Thursday in Asia/Riyadh (``tools.saudi_time.BusinessHours``); public
holidays come from the growth policy. A week in a report runs Sunday 00:00 to the next Sunday 00:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hijridate import Gregorian

from tools.saudi_time import RIYADH, BusinessHours

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_business_day(day: date, hours: BusinessHours, holidays: Iterable[date] = ()) -> bool:
    return _WEEKDAY_NAMES[day.weekday()] in hours.business_days and day not in set(holidays)


def add_business_days(start: date, days: int, hours: BusinessHours, holidays: Iterable[date] = ()) -> date:
    """The business day ``days`` business days after ``start`` (``start`` itself never counts)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if not hours.business_days:
        raise ValueError("business_days is empty: there is no business day")
    off = set(holidays)
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_business_day(day, hours, off):
            left -= 1
    return day


def next_business_day(day: date, hours: BusinessHours, holidays: Iterable[date] = ()) -> date:
    """``day`` itself when it is a business day, else the first one after it."""
    off = set(holidays)
    for _ in range(400):
        if is_business_day(day, hours, off):
            return day
        day += timedelta(days=1)
    raise ValueError("no business day within a year: check business_days and holidays")


def local_day(moment: datetime, tz: ZoneInfo = RIYADH) -> date:
    return moment.astimezone(tz).date()


def at_local(day: date, clock_time: time, tz: ZoneInfo = RIYADH) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=tz)


def day_window(day: date, tz: ZoneInfo = RIYADH) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    return start, start + timedelta(days=1)


def week_start(day: date) -> date:
    """The Sunday that opens ``day``'s week (Saudi week: Sunday first)."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def week_window(day: date, tz: ZoneInfo = RIYADH) -> tuple[datetime, datetime]:
    start = datetime.combine(week_start(day), time(0, 0), tzinfo=tz)
    return start, start + timedelta(days=7)


def hijri(day: date) -> str:
    """The Umm al-Qura date as dd/mm/yyyy هـ."""
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return f"{h.day:02d}/{h.month:02d}/{h.year} هـ"


__all__ = ["add_business_days", "at_local", "day_window", "hijri", "is_business_day", "local_day",
           "next_business_day", "week_start", "week_window"]
