"""Saudi business time with public holidays: the clock SLA timers run on.

Working time is Sunday-Thursday, 09:00-18:00 Asia/Riyadh (``data/holidays.yaml``), minus the
configured public holidays (Founding Day, National Day, the Eid periods). Fridays, Saturdays,
holidays and the hours outside the working day do not count:

    add_minutes(Thu 17:00, 120)  -> Sun 10:00        (Thu 17-18 = 60, Fri/Sat skipped, Sun 9-10 = 60)
    minutes_between(Thu 17:00, Sun 10:00) -> 120

The working hours themselves are :class:`tools.saudi_time.BusinessHours`; this module adds the
holidays and the minute arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.saudi_time import BusinessHours, Weekday

DATA_FILE = Path(__file__).parent / "data" / "holidays.yaml"
_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3660  # ten years: a calendar with no working day at all fails instead of looping


class Holiday(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name_ar: str
    name_en: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.end < self.start:
            raise ValueError("a holiday ends on or after its start")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class CalendarFile(BaseModel):
    """The shape of ``holidays.yaml`` (a tenant may supply its own)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    timezone: str = "Asia/Riyadh"
    business_days: tuple[Weekday, ...] = Field(min_length=1)
    start: time
    end: time
    holidays: tuple[Holiday, ...] = ()


class BusinessCalendar:
    def __init__(self, hours: BusinessHours | None = None, holidays: Sequence[Holiday] = ()) -> None:
        self.hours = hours or BusinessHours()
        if self.hours.end <= self.hours.start:
            raise ValueError("the working day must end after it starts")
        self.holidays = tuple(sorted(holidays, key=lambda h: (h.start, h.end)))
        self.tz = ZoneInfo(self.hours.timezone)

    # -- days ------------------------------------------------------------------------------
    def holiday_on(self, day: date) -> Holiday | None:
        return next((h for h in self.holidays if h.covers(day)), None)

    def is_business_day(self, day: date) -> bool:
        return _WEEKDAYS[day.weekday()] in self.hours.business_days and self.holiday_on(day) is None

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.hours.start, tzinfo=self.tz),
                datetime.combine(day, self.hours.end, tzinfo=self.tz))

    def _business_days(self, first: date) -> Iterator[date]:
        day = first
        for _ in range(_MAX_DAYS):
            if self.is_business_day(day):
                yield day
            day += timedelta(days=1)
        raise ValueError("no business day within ten years: check business_days and holidays")

    # -- moments -----------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("business time needs an aware datetime")
        return moment.astimezone(self.tz)

    def is_open(self, moment: datetime) -> bool:
        local = self.local(moment)
        start, end = self._window(local.date())
        return self.is_business_day(local.date()) and start <= local < end

    def next_open(self, moment: datetime) -> datetime:
        """The first instant at or after ``moment`` that is business time."""
        local = self.local(moment)
        for day in self._business_days(local.date()):
            start, end = self._window(day)
            if local < end:
                return max(local, start)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_minutes(self, moment: datetime, minutes: float) -> datetime:
        """``moment`` plus ``minutes`` of business time (counting starts at the next opening)."""
        if minutes < 0:
            raise ValueError("business minutes are not negative")
        local = self.local(moment)
        remaining = timedelta(minutes=minutes)
        for day in self._business_days(local.date()):
            start, end = self._window(day)
            cursor = max(local, start)
            if cursor >= end:
                continue
            if cursor + remaining <= end:
                return cursor + remaining
            remaining -= end - cursor
        raise AssertionError("unreachable")  # pragma: no cover

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in ``[start, end)``; zero when ``end`` is not after ``start``."""
        a, b = self.local(start), self.local(end)
        if b <= a:
            return 0.0
        total = timedelta()
        for day in self._business_days(a.date()):
            if day > b.date():
                break
            open_, close = self._window(day)
            lo, hi = max(a, open_), min(b, close)
            if hi > lo:
                total += hi - lo
        return total.total_seconds() / 60


def calendar_from_file(data: CalendarFile) -> BusinessCalendar:
    hours = BusinessHours(timezone=data.timezone, business_days=data.business_days, start=data.start, end=data.end)
    return BusinessCalendar(hours, data.holidays)


def read_calendar_file(path: Path) -> CalendarFile:
    return CalendarFile.model_validate(yaml.safe_load(path.read_bytes()))


@lru_cache(maxsize=1)
def default_calendar() -> BusinessCalendar:
    """Sunday-Thursday 09:00-18:00 Asia/Riyadh with the bundled holidays."""
    return calendar_from_file(read_calendar_file(DATA_FILE))
