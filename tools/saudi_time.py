"""Saudi business time: Asia/Riyadh, a Sunday-Thursday working week, and a clock you can fix.

Quiet hours for outreach, approval SLAs and support SLAs all count in this time; keep one
definition of it here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

RIYADH = ZoneInfo("Asia/Riyadh")

Clock = Callable[[], datetime]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def system_clock() -> datetime:
    return datetime.now(UTC)


class BusinessHours(BaseModel):
    """Working days and hours in one time zone; the Saudi default is Sunday-Thursday, 09:00-18:00."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Asia/Riyadh"
    business_days: tuple[Weekday, ...] = Field(default=("sun", "mon", "tue", "wed", "thu"))
    start: time = time(9, 0)
    end: time = time(18, 0)

    def contains(self, moment: datetime) -> bool:
        local = _aware(moment).astimezone(ZoneInfo(self.timezone))
        return _WEEKDAYS[local.weekday()] in self.business_days and self.start <= local.time() < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """The first instant at or after ``moment`` inside business hours (in the local zone)."""
        local = _aware(moment).astimezone(ZoneInfo(self.timezone))
        if self.contains(local):
            return local
        day = local
        for _ in range(8):
            candidate = day.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
            if _WEEKDAYS[candidate.weekday()] in self.business_days and candidate >= local:
                return candidate
            day = (day + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        raise ValueError("business_days is empty: there is no business time")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
