"""The customer's own timing: "after Ramadan", "after the summer", "next quarter" ... as a date.

    text ─▶ the first timing phrase (``data/timing.yaml``) ─▶ the first day that timing allows
         ─▶ the first business day on or after it (Asia/Riyadh, Sunday-Thursday)

Ramadan and Eid are computed on the Umm al-Qura calendar (``hijridate``): "after Ramadan" is the
first working day after the Eid al-Fitr holiday that follows the next (or current) Ramadan.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from hijridate import Gregorian, Hijri
from pydantic import BaseModel, ConfigDict

from skills.negotiation.dates import is_business_day
from skills.negotiation.utterance import fold
from tools.saudi_time import BusinessHours

TimingKind = Literal["after_eid_adha", "after_ramadan", "after_summer", "next_quarter", "next_year", "next_month"]


class _Summer(BaseModel):
    month: int
    day: int


class TimingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    eid_fitr_days: int
    eid_adha_days: int
    after_summer: _Summer
    kinds: dict[TimingKind, tuple[str, ...]]


class CustomerTiming(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: TimingKind
    phrase: str
    not_before: date


@lru_cache(maxsize=1)
def load_timing_rules() -> TimingRules:
    raw = resources.files("skills.negotiation").joinpath("data/timing.yaml").read_bytes()
    return TimingRules.model_validate(yaml.safe_load(raw))


def _hijri_to_date(year: int, month: int, day: int) -> date:
    return date(*Hijri(year, month, day).to_gregorian().datetuple())


def _after_hijri(today: date, month: int, day: int, holiday: int) -> date:
    """The first day after the holiday that starts on ``day``/``month`` of the Hijri year, next one from today."""
    year = Gregorian(today.year, today.month, today.day).to_hijri().year
    for candidate in (year, year + 1):
        resume = _hijri_to_date(candidate, month, day) + timedelta(days=holiday)
        if resume > today:
            return resume
    raise ValueError("no Hijri date within two years")  # unreachable inside the Umm al-Qura table


def earliest_day(kind: TimingKind, today: date, rules: TimingRules | None = None) -> date:
    rules = rules or load_timing_rules()
    if kind == "after_ramadan":
        return _after_hijri(today, 10, 1, rules.eid_fitr_days)
    if kind == "after_eid_adha":
        return _after_hijri(today, 12, 10, rules.eid_adha_days)
    if kind == "after_summer":
        resume = date(today.year, rules.after_summer.month, rules.after_summer.day)
        return resume if resume > today else date(today.year + 1, rules.after_summer.month, rules.after_summer.day)
    if kind == "next_quarter":
        month = 3 * ((today.month - 1) // 3 + 1) + 1
        return date(today.year + 1, 1, 1) if month > 12 else date(today.year, month, 1)
    if kind == "next_year":
        return date(today.year + 1, 1, 1)
    return date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)


def customer_timing(text: str, today: date, hours: BusinessHours | None = None,
                    holidays: Collection[date] = ()) -> CustomerTiming | None:
    """The timing the customer asked for and the first business day it allows; None when they named none."""
    rules = load_timing_rules()
    folded = fold(text)
    for kind, phrases in rules.kinds.items():
        for phrase in phrases:
            if fold(phrase) in folded:
                day = earliest_day(kind, today, rules)
                hours = hours or BusinessHours()
                while not is_business_day(day, hours, holidays):
                    day += timedelta(days=1)
                return CustomerTiming(kind=kind, phrase=phrase, not_before=day)
    return None
