"""Reputation guard: per-contact and per-company weekly caps, and a cool-down after no reply.

Built from the outreach history (touches) of the last ``cooldown_days`` at a fixed ``now``.
Opt-outs are not handled here: they block a contact outright in contactability, on every channel.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from skills.targeting.catalog import Catalog, ReputationPolicy, Text, load_catalog
from skills.targeting.repository import Touch
from tools.saudi_time import RIYADH

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Hold:
    """Why outreach has to wait, and until when."""

    reason: Text
    until: datetime


class ReputationGuard:
    def __init__(
        self,
        touches: Iterable[Touch],
        *,
        now: datetime,
        company_of: Mapping[str, str],
        catalog: Catalog | None = None,
    ) -> None:
        self._catalog = catalog or load_catalog()
        self.policy: ReputationPolicy = self._catalog.policy.reputation
        self._now = now
        self._week: Counter[tuple[str, str]] = Counter()
        self._week_any: Counter[str] = Counter()
        self._company_week: Counter[str] = Counter()
        self._history: dict[str, list[Touch]] = defaultdict(list)
        self._oldest_in_week: dict[str, datetime] = {}
        for touch in sorted(touches, key=lambda t: t.at):
            self._history[touch.lead_id].append(touch)
            if touch.at >= now - WEEK:
                self._week[(touch.lead_id, touch.channel)] += 1
                self._week_any[touch.lead_id] += 1
                company = company_of.get(touch.lead_id)
                if company is not None:
                    self._company_week[company] += 1
                    self._oldest_in_week.setdefault(f"co:{company}", touch.at)
                self._oldest_in_week.setdefault(touch.lead_id, touch.at)

    def touched_today(self, lead_ids: Iterable[str]) -> bool:
        """An unanswered touch since midnight in Riyadh: the gateway allows one outreach a day per person,
        so a pick like this could only be refused; the selection passes over it to the next."""
        day_start = self._now.astimezone(RIYADH).replace(hour=0, minute=0, second=0, microsecond=0)
        touches = [t for i in lead_ids for t in self._history.get(i, ()) if t.at >= day_start]
        if any(t.replied for t in touches):
            return False  # a reply today makes the next message a conversation, not outreach
        return bool(touches)

    def channel_count(self, lead_ids: Iterable[str], channel: str) -> int:
        return sum(self._week[(lead_id, channel)] for lead_id in lead_ids)

    def contact_hold(self, lead_ids: Iterable[str]) -> Hold | None:
        """A cool-down after unanswered touches, or the weekly cap for this person."""
        ids = list(lead_ids)
        if self.policy.contact_max_per_week > 0 and not any(i in self._history for i in ids):
            return None  # never touched in the window: no cool-down and no weekly count
        history = sorted((t for i in ids for t in self._history.get(i, ())), key=lambda t: t.at)
        unanswered = 0
        for touch in reversed(history):
            if touch.replied:
                break
            unanswered += 1
        if unanswered >= self.policy.cooldown_after_unanswered:
            until = history[-1].at + timedelta(days=self.policy.cooldown_days)
            if until > self._now:
                text = self._catalog.message("contact", "cooldown", touches=unanswered, until=until.date().isoformat())
                return Hold(text, until)
        count = sum(self._week_any[i] for i in ids)
        if count >= self.policy.contact_max_per_week:
            oldest = min(self._oldest_in_week[i] for i in ids if i in self._oldest_in_week)
            text = self._catalog.message("contact", "contact_cap", count=count, cap=self.policy.contact_max_per_week)
            return Hold(text, oldest + WEEK)
        return None

    def company_hold(self, company_id: str, planned: int = 0) -> Hold | None:
        """The weekly cap for one company, counting ``planned`` touches selected but not sent yet."""
        count = self._company_week[company_id] + planned
        if count < self.policy.company_max_per_week:
            return None
        text = self._catalog.message("contact", "company_cap", count=count, cap=self.policy.company_max_per_week)
        oldest = self._oldest_in_week.get(f"co:{company_id}", self._now)
        return Hold(text, oldest + WEEK)
