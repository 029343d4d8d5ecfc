"""Business days in Asia/Riyadh (Sunday-Thursday, from :mod:`tools.saudi_time`) and how dates are written.

Arabic dates carry the Hijri (Umm al-Qura) date beside the Gregorian one, as a Saudi reader expects
in a plan; the short form used inside a customer message is the weekday and the Gregorian day.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hijridate import Gregorian

from agents.guard import Language
from skills.negotiation.catalog import load_playbook
from tools.saudi_time import BusinessHours

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_business_day(day: date, hours: BusinessHours, holidays: Collection[date] = ()) -> bool:
    return _WEEKDAYS[day.weekday()] in hours.business_days and day not in holidays


def plan_start(now: datetime, hours: BusinessHours, holidays: Collection[date] = ()) -> date:
    """Today in the business time zone if it is a business day, else the next one."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)  # naive means UTC, as in tools.saudi_time
    day = aware.astimezone(ZoneInfo(hours.timezone)).date()
    return next_business_day(day - timedelta(days=1), hours, holidays)


def next_business_day(day: date, hours: BusinessHours, holidays: Collection[date] = ()) -> date:
    """The first business day strictly after ``day``."""
    if not hours.business_days:
        raise ValueError("business_days is empty: there is no business day")
    candidate = day + timedelta(days=1)
    for _ in range(366):
        if is_business_day(candidate, hours, holidays):
            return candidate
        candidate += timedelta(days=1)
    raise ValueError("no business day within a year")


def add_business_days(day: date, count: int, hours: BusinessHours, holidays: Collection[date] = ()) -> date:
    """``count`` business days after ``day`` (``day`` itself when count is 0)."""
    for _ in range(count):
        day = next_business_day(day, hours, holidays)
    return day


def hijri_ar(day: date) -> str | None:
    """'2 جمادى الآخرة 1448هـ', or None outside the Umm al-Qura table's range."""
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    suffix = load_playbook().calendar.hijri_suffix_ar
    return f"{hijri.day} {hijri.month_name('ar')} {hijri.year}{suffix}"


def short_date(day: date, language: Language) -> str:
    """Weekday and Gregorian day, as written inside a message: 'الأحد 22 نوفمبر' / 'Sunday 22 November'."""
    names = load_playbook().calendar
    if language == "ar":
        return f"{names.weekdays_ar[day.weekday()]} {day.day} {names.months_ar[day.month - 1]}"
    return f"{names.weekdays_en[day.weekday()]} {day.day} {names.months_en[day.month - 1]}"


def long_date_ar(day: date) -> str:
    """'الأحد 22 نوفمبر 2026 (2 جمادى الآخرة 1448هـ)': the plan's Arabic date, Hijri beside Gregorian."""
    text = f"{short_date(day, 'ar')} {day.year}"
    hijri = hijri_ar(day)
    return f"{text} ({hijri})" if hijri else text
