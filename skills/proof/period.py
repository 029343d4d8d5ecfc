"""Periods and dates as a Saudi reader expects them: Asia/Riyadh days, Hijri beside Gregorian.

A period is a range of whole Riyadh calendar days, both ends included; the ledger is queried
from the first day's midnight in Riyadh to the midnight after the last day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hijridate import Gregorian
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skills.proof.catalog import ProofTexts, load_texts
from skills.proof.errors import PeriodInvalid
from tools.saudi_time import RIYADH

MAX_PERIOD_DAYS = 400
DEFAULT_PERIOD_DAYS = 7


class Period(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date = Field(description="First day, Asia/Riyadh.")
    end: date = Field(description="Last day (included), Asia/Riyadh.")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        problem = _problem(self.start, self.end)
        if problem is not None:
            raise ValueError(problem.message_en)
        return self

    def bounds(self, tz: ZoneInfo = RIYADH) -> tuple[datetime, datetime]:
        """[since, until): the first day's midnight and the midnight after the last day, in ``tz``."""
        since = datetime.combine(self.start, time(0), tzinfo=tz)
        until = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz)
        return since, until

    def contains(self, moment: datetime, tz: ZoneInfo = RIYADH) -> bool:
        since, until = self.bounds(tz)
        return since <= moment < until


def _problem(start: date, end: date) -> PeriodInvalid | None:
    if end < start:
        return PeriodInvalid("تاريخ نهاية الفترة يسبق تاريخ بدايتها.", "The period ends before it starts.")
    if (end - start).days >= MAX_PERIOD_DAYS:
        return PeriodInvalid(f"الفترة أطول من الحد المسموح ({MAX_PERIOD_DAYS} يوماً).",
                           f"The period is longer than {MAX_PERIOD_DAYS} days.")
    return None


def checked_period(start: date, end: date) -> Period:
    """A period, or a :class:`PeriodInvalid` with an Arabic message for the person who asked."""
    problem = _problem(start, end)
    if problem is not None:
        raise problem
    return Period(start=start, end=end)


def today_riyadh(now: datetime) -> date:
    return now.astimezone(RIYADH).date()


def default_period(now: datetime, days: int = DEFAULT_PERIOD_DAYS) -> Period:
    """The last ``days`` Riyadh days, today included."""
    today = today_riyadh(now)
    return checked_period(today - timedelta(days=days - 1), today)


def period_from(start: date | None, end: date | None, now: datetime) -> Period:
    """A period from optional ends: a missing end is today, a missing start is a week before the end."""
    last = end or today_riyadh(now)
    first = start or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return checked_period(first, last)


def gregorian_ar(day: date, texts: ProofTexts | None = None) -> str:
    texts = texts or load_texts()
    return f"{day.day} {texts.months_ar[day.month - 1]} {day.year}"


def hijri_ar(day: date, texts: ProofTexts | None = None) -> str | None:
    """Umm al-Qura date in Arabic, or None outside the calendar's range (1343-1500 AH)."""
    texts = texts or load_texts()
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return f"{hijri.day} {hijri.month_name('ar')} {hijri.year} {texts.label('hijri_suffix')}"


def both_calendars_ar(day: date, texts: ProofTexts | None = None) -> str:
    """'22 نوفمبر 2026 (12 جمادى الآخرة 1448 هـ)'."""
    hijri = hijri_ar(day, texts)
    gregorian = gregorian_ar(day, texts)
    return f"{gregorian} ({hijri})" if hijri else gregorian


def moment_ar(moment: datetime, texts: ProofTexts | None = None) -> str:
    """A Riyadh date and time for people: '22 نوفمبر 2026 (12 جمادى الآخرة 1448 هـ)، 11:00 بتوقيت الرياض'."""
    texts = texts or load_texts()
    local = moment.astimezone(RIYADH)
    return f"{both_calendars_ar(local.date(), texts)}، {local:%H:%M} {texts.label('riyadh_time')}"
