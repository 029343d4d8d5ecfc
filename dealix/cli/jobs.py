"""``dealix jobs``: the scheduled jobs — what runs when, and how each last run ended; or run them here."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.table import Table

from dealix.cli.output import print_json, stdout
from dealix.settings import get_settings

jobs_app = typer.Typer(help="Scheduled jobs: approval SLA sweep, dead-letter retries, daily plans.",
                       no_args_is_help=True)


@jobs_app.command("list")
def list_jobs(json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Each job: its schedule, its next run, and when and how it last ran."""
    from dealix.jobs.runner import job_statuses

    statuses = job_statuses(get_settings())
    if json_out:
        print_json([status.model_dump(mode="json") for status in statuses])
        return
    table = Table(title="Dealix jobs")
    for column in ("job", "schedule", "next run", "last run", "outcome"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        last = status.last_run
        table.add_row(status.job, status.schedule,
                      status.next_run.isoformat(timespec="seconds") if status.next_run else "—",
                      last.fire_time.isoformat(timespec="seconds") if last else "—",
                      last.outcome if last else "—")
    stdout().print(table)


@jobs_app.command("run")
def run_jobs() -> None:
    """Run the jobs in this process until interrupted (beside or instead of `dealix serve`; once across all)."""
    from dealix.jobs.runner import JobRunner

    runner = JobRunner(get_settings())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner.start()
    stdout().print(f"jobs running as {runner.identity}; Ctrl-C to stop", markup=False, highlight=False)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
