"""The jobs and their schedules. Saudi working days are Sunday to Thursday; times are the deployment's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

JobId = Literal["approvals_sla", "dlq_retry", "daily_plan", "followups"]

WORKING_DAYS = "sun,mon,tue,wed,thu"  # APScheduler's cron names; the Saudi working week
DAILY_PLAN_HOUR = 8  # each tenant's plan is ready when the team starts its day


@dataclass(frozen=True)
class JobSpec:
    """One job: ``every`` (a fixed interval) or a cron time on working days (``at_hour`` local time)."""

    job: JobId
    title: str
    every: timedelta | None = None
    at_hour: int | None = None

    def describe(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds())} s"
        return f"{self.at_hour:02d}:00 Sun-Thu"


def default_jobs(*, sweep_every: timedelta = timedelta(minutes=5),
                 retry_every: timedelta = timedelta(minutes=1),
                 followups_every: timedelta = timedelta(minutes=10)) -> list[JobSpec]:
    return [
        JobSpec("approvals_sla", "Approval SLA sweep: expire what is past its expiry, escalate breaches",
                every=sweep_every),
        JobSpec("dlq_retry", "Dead-letter retries whose backoff has passed", every=retry_every),
        JobSpec("daily_plan", "Each tenant's daily plan (Saudi working days, local morning)", at_hour=DAILY_PLAN_HOUR),
        # Follow-ups fall due at 10:00 Riyadh on business days; a pass every few minutes drafts each one soon after.
        JobSpec("followups", "Follow-ups that are due, drafted for approval (never sent)", every=followups_every),
    ]
