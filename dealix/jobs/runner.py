"""The job runner: APScheduler 4 with its SQLAlchemy data store, on the deployment's database.

    one machine (default)  data_dir/scheduler.db (SQLite, WAL) shared by every worker of ``dealix serve``
    at scale               DEALIX_DATABASE_URL: schema dx_<namespace>_scheduler of that PostgreSQL

Every process that starts a runner is both a scheduler and a worker. A due schedule is taken by one
of them under a lease (an UPDATE of the schedule row, so two can never both take it), turned into
one job and released with its next fire time; the job is taken the same way. A worker killed with
``kill -9`` holds its leases until they lapse (``lease``, 30 s by default); then another takes the
schedules over, and a job the dead worker had started is marked abandoned, never run a second
time. Fire times missed while no worker ran are coalesced into one run (the jobs are sweeps: one
late run catches up). The run history (:mod:`dealix.jobs.history`) claims each fire time once more.

SQLite needs one adjustment: SQLAlchemy's pysqlite starts transactions deferred, and a read that
turns into a write then fails with "database is locked" while another worker writes (APScheduler
issue #959). Every transaction here begins ``IMMEDIATE`` instead, so writers wait their turn.
"""

from __future__ import annotations

import importlib
import logging
import os
import platform
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from dealix.jobs.catalog import WORKING_DAYS, JobSpec, default_jobs
from dealix.jobs.history import JobHistory, JobRun
from dealix.settings import Settings
from tools.saudi_time import Clock, system_clock
from tools.store import enable_wal

if TYPE_CHECKING:
    from apscheduler import Scheduler
    from sqlalchemy.engine import Engine

    from tools.gateway import Gateway

log = logging.getLogger("dealix.jobs")

LEASE = timedelta(seconds=30)
DAILY_PLAN_GRACE = timedelta(hours=2)  # workers down at 08:00 and back by 10:00: the plan still runs


@dataclass
class JobEnvironment:
    """What the jobs of this process run with (the services are built once, when first needed)."""

    settings: Settings
    history: JobHistory
    identity: str
    clock: Clock = system_clock
    _gateway: Gateway | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def gateway(self) -> Gateway:
        with self._lock:
            if self._gateway is None:
                from dealix.wiring import build_gateway

                self._gateway = build_gateway(self.settings, clock=self.clock)
            return self._gateway

    def tenants(self) -> list[str]:
        """Tenants with at least one active API key."""
        from api.keys import key_store_for

        return sorted({record.caller.tenant for record in key_store_for(self.settings).list_keys()
                       if record.revoked_at is None})


_environment: JobEnvironment | None = None


def environment() -> JobEnvironment:
    if _environment is None:
        raise RuntimeError("no job runner was started in this process")
    return _environment


class JobStatus(BaseModel):
    """One row of ``dealix jobs list``."""

    job: str
    title: str
    schedule: str
    next_run: datetime | None
    last_run: JobRun | None


def history_for(settings: Settings) -> JobHistory:
    settings.ensure_data_dir()
    return JobHistory(settings.data_dir / "jobs.db")


def _engine(settings: Settings) -> tuple[Engine, str | None]:
    from sqlalchemy import create_engine, event, text

    settings.ensure_data_dir()
    if settings.uses_postgres and settings.database_url:
        from tools.pgdb import schema_name

        url = settings.database_url.split("://", 1)[1]
        engine = create_engine(f"postgresql+psycopg://{url}", pool_pre_ping=True)
        schema = schema_name(settings.data_dir / "scheduler.db")
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        return engine, schema
    engine = create_engine(f"sqlite:///{settings.data_dir / 'scheduler.db'}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # SQLAlchemy's "begin" below issues BEGIN itself
        dbapi.execute("PRAGMA busy_timeout=30000")
        enable_wal(dbapi)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine, None


def _trigger(spec: JobSpec, settings: Settings, now: datetime) -> Any:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if spec.every is not None:
        # The first run one interval after start, not at start: a restart is not a reason to sweep.
        return IntervalTrigger(seconds=spec.every.total_seconds(), start_time=now + spec.every)
    return CronTrigger(day_of_week=WORKING_DAYS, hour=spec.at_hour, minute=0, timezone=settings.timezone,
                       start_time=now)


def _data_store(engine: Engine, schema: str | None, *, poll: timedelta) -> Any:
    """APScheduler's SQLAlchemy store, waking its scheduler at least every ``poll`` to take over lapsed leases.

    A scheduler sleeps until the next fire time of a schedule no one holds, and is woken early only by
    events of its own process. When every schedule is held by another worker it would sleep until
    woken, so a worker killed while holding them all would leave them unrun for good; capping the
    sleep makes a survivor look again once the dead worker's lease has lapsed.
    """
    from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore

    class _Store(SQLAlchemyDataStore):
        async def get_next_schedule_run_time(self) -> datetime | None:
            due: datetime | None = await super().get_next_schedule_run_time()
            latest = datetime.now(UTC) + poll
            return latest if due is None or due > latest else due

    return _Store(engine, schema=schema)


class JobRunner:
    """Schedules and runs the jobs in this process, in step with every other runner on the same database."""

    def __init__(self, settings: Settings, *, jobs: list[JobSpec] | None = None, lease: timedelta = LEASE,
                 identity: str | None = None, clock: Clock = system_clock, gateway: Gateway | None = None) -> None:
        self.settings = settings
        self.jobs = jobs if jobs is not None else default_jobs()
        self.lease = lease
        self.identity = identity or f"{platform.node()}-{os.getpid()}"
        self.clock = clock
        self._gateway = gateway
        self._scheduler: Scheduler | None = None
        self._engine: Engine | None = None

    def _build(self) -> Scheduler:
        from apscheduler import Scheduler

        self._engine, schema = _engine(self.settings)
        # The clean-up releases jobs whose worker died (their lease lapsed): until then the task's
        # count of running jobs, shared by every worker, still holds the dead one and the others skip it.
        return Scheduler(_data_store(self._engine, schema, poll=self.lease), identity=self.identity,
                         lease_duration=self.lease, cleanup_interval=self.lease)

    def start(self, *, attempts: int = 5) -> None:
        """Start scheduling in background threads; the schedules are added once (the first runner adds them)."""
        from apscheduler import CoalescePolicy, ConflictPolicy
        from sqlalchemy.exc import DBAPIError

        from dealix.jobs.tasks import run_job

        global _environment
        _environment = JobEnvironment(self.settings, history_for(self.settings), self.identity, self.clock,
                                      self._gateway)
        # Import what the jobs run and build the gateway now, not in the first jobs' threads at once
        # (seconds of imports on a loaded machine, inside a job's lease).
        for module in ("skills.governance.service", "skills.governance.dlq"):
            importlib.import_module(module)
        _environment.gateway()
        for attempt in range(1, attempts + 1):
            scheduler = self._build()
            try:
                scheduler.start_in_background()
                now = self.clock()
                for spec in self.jobs:
                    grace = DAILY_PLAN_GRACE if spec.at_hour is not None else None
                    # One task per job, so a long daily plan never holds up a sweep (one run of each at a time).
                    scheduler.configure_task(spec.job, func=run_job, max_running_jobs=1)
                    scheduler.add_schedule(spec.job, _trigger(spec, self.settings, now), id=spec.job,
                                           kwargs={"job": spec.job}, coalesce=CoalescePolicy.latest,
                                           misfire_grace_time=grace, conflict_policy=ConflictPolicy.do_nothing)
            except Exception as error:
                # Several workers creating the scheduler's tables at once: the loser retries on the winner's.
                self._close(scheduler)
                if attempt == attempts or not _database_error(error, DBAPIError):
                    raise
                time.sleep(0.2 * attempt)
                continue
            self._scheduler = scheduler
            return

    def stop(self) -> None:
        global _environment
        if self._scheduler is not None:
            self._close(self._scheduler)
            self._scheduler = None
        if _environment is not None:
            _environment.history.close()
            _environment = None

    def _close(self, scheduler: Scheduler) -> None:
        try:
            scheduler.stop()
            scheduler.__exit__(None, None, None)
        except Exception:  # stopping a scheduler that never started
            log.debug("scheduler stop", exc_info=True)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _database_error(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``error`` is, or (in an anyio task group's ExceptionGroup) holds, an error of ``kind``."""
    if isinstance(error, BaseExceptionGroup):
        return any(_database_error(inner, kind) for inner in error.exceptions)
    return isinstance(error, kind)


def job_statuses(settings: Settings, jobs: list[JobSpec] | None = None) -> list[JobStatus]:
    """Each job with its schedule, next run (from the engine) and last run (from the history)."""
    from apscheduler import Scheduler

    engine, schema = _engine(settings)
    try:
        with Scheduler(_data_store(engine, schema, poll=LEASE)) as scheduler:
            next_runs = {s.id: s.next_fire_time for s in scheduler.get_schedules()}
    finally:
        engine.dispose()
    history = history_for(settings)
    try:
        last = history.last_runs()
    finally:
        history.close()
    return [JobStatus(job=spec.job, title=spec.title, schedule=spec.describe(), next_run=next_runs.get(spec.job),
                      last_run=last.get(spec.job)) for spec in (jobs if jobs is not None else default_jobs())]
