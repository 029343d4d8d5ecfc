"""What each scheduled job does. Each calls the service the CLI and the API call; nothing here decides policy.

``run_job`` is the one callable the scheduler stores (by reference, ``dealix.jobs.tasks:run_job``);
it claims the fire time in the run history, runs the job and writes its outcome. The services are
the process's (:func:`dealix.jobs.runner.environment`), built by the app shell when the runner starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from apscheduler import current_job

if TYPE_CHECKING:
    from dealix.jobs.runner import JobEnvironment

log = logging.getLogger("dealix.jobs")


def run_job(job: str) -> dict[str, object]:
    """Run one due job once (the scheduler calls this in its worker threads)."""
    from dealix.jobs.runner import environment

    env = environment()
    fire_time = current_job.get().scheduled_fire_time
    if fire_time is None:  # run by hand, not by a schedule: the moment is its own fire time
        fire_time = env.clock()
    if not env.history.claim(job, fire_time, env.identity, env.clock()):
        log.warning("job %s at %s was already run; not running it again", job, fire_time.isoformat())
        return {"duplicate": True}
    try:
        summary = JOBS[job](env)
    except Exception as error:
        log.exception("job %s failed", job)
        env.history.finish(job, fire_time, "failed", {"error": type(error).__name__}, env.clock())
        raise
    env.history.finish(job, fire_time, "ok", summary, env.clock())
    return summary


def approvals_sla(env: JobEnvironment) -> dict[str, object]:
    """The approval centre's sweep for every tenant with a pending approval: expiry first, then escalation."""
    from skills.governance.service import GovernanceDesk

    gateway = env.gateway()
    with gateway.store.read() as conn:
        tenants = [row[0] for row in conn.execute(
            "SELECT DISTINCT tenant FROM approvals WHERE status = 'pending' ORDER BY tenant")]
    expired = escalated = cards = 0
    for tenant in tenants:
        report = GovernanceDesk(tenant, gateway=gateway, settings=env.settings, clock=env.clock).sweep()
        expired, escalated = expired + len(report.expired), escalated + len(report.escalated)
        cards += report.cards_published
    return {"tenants": len(tenants), "expired": expired, "escalated": escalated, "cards": cards}


def dlq_retry(env: JobEnvironment) -> dict[str, object]:
    """Every dead letter whose backoff has passed, retried once through the gateway (never forced)."""
    from skills.governance.dlq import DeadLetterDesk

    report = DeadLetterDesk(None, gateway=env.gateway(), clock=env.clock).retry_due()
    return {"retried": report.retried, "resolved": report.resolved, "failed": report.failed,
            "exhausted": report.exhausted, "refused": report.refused}


def daily_plan(env: JobEnvironment) -> dict[str, object]:
    """Today's plan for each tenant that has API users; one tenant's failure does not stop the others."""
    from graphs.checkpoint import open_checkpointer
    from graphs.growth import build_plan_context, start_daily_plan
    from skills.growth.repository import GrowthRepository
    from skills.growth.service import growth_db_path
    from skills.targeting.factory import build_service

    planned: list[str] = []
    failed: list[str] = []
    for tenant in env.tenants():
        repository = GrowthRepository(growth_db_path(env.settings))
        try:
            targeting = build_service(env.settings, tenant=tenant, clock=env.clock)
            ctx = build_plan_context(env.settings, tenant, targeting=targeting, growth=repository,
                                     gateway=env.gateway(), clock=env.clock)
            with open_checkpointer(env.settings) as checkpointer:
                start_daily_plan(ctx, checkpointer)
            planned.append(tenant)
        except Exception:
            log.exception("daily plan of one tenant failed")
            failed.append(tenant)
        finally:
            repository.close()
    if failed and not planned:
        raise RuntimeError(f"every daily plan failed ({len(failed)} tenants)")
    return {"planned": len(planned), "failed": len(failed)}


def followups(env: JobEnvironment) -> dict[str, object]:
    """Each tenant's due follow-ups, each drafted once as an approval for a person (review-first); never sent.

    One follow-up is drafted by one worker however many run (skills.growth.followup_drafts claims it);
    one tenant's failure does not stop the others."""
    from agents.brief import default_sender_profile
    from graphs.overlay import autopilot_overlay
    from skills.growth.followup_drafts import draft_due_followups
    from skills.growth.repository import GrowthRepository
    from skills.growth.service import growth_db_path
    from skills.targeting.factory import targeting_db_path
    from skills.targeting.repository import TargetingRepository

    gateway = env.gateway()
    drafted = due = 0
    skipped: dict[str, int] = {}
    failed: list[str] = []
    growth = GrowthRepository(growth_db_path(env.settings))
    targeting = TargetingRepository(targeting_db_path(env.settings))
    try:
        for tenant in env.tenants():
            try:
                # drafts wait for a person, as in every graph: on this run's view, not the gateway the API shares
                reviewed = gateway.with_overlay(autopilot_overlay(tenant))
                run = draft_due_followups(tenant, growth=growth, targeting=targeting, gateway=reviewed,
                                          sender=default_sender_profile(), now=env.clock())
            except Exception:
                log.exception("follow-ups of one tenant failed")
                failed.append(tenant)
                continue
            due, drafted = due + run.due, drafted + run.drafted
            for reason, n in run.skipped.items():
                skipped[reason] = skipped.get(reason, 0) + n
    finally:
        growth.close()
        targeting.close()
    if failed and not drafted:
        raise RuntimeError(f"follow-ups failed for {len(failed)} tenants")
    return {"due": due, "drafted": drafted, "skipped": dict(sorted(skipped.items())), "failed": len(failed)}


JOBS: dict[str, Callable[[JobEnvironment], dict[str, object]]] = {
    "approvals_sla": approvals_sla,
    "dlq_retry": dlq_retry,
    "daily_plan": daily_plan,
    "followups": followups,
}
