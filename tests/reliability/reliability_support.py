"""Helpers of the reliability tests: child-process workers (spawn-safe, top level) and invariant checks.

Every worker builds its own settings, gateway and checkpointer from a data dir, as a restarted
``dealix`` process would; a parent kills it (SIGKILL) or runs two at once against the same files,
or, with the ``backend`` fixture at "postgres", against the same PostgreSQL schemas.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dealix.settings import Settings

TENANT = "acme"
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes", "consent"]
BASE = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh
SPAWN = mp.get_context("spawn")


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, secret_key="k" * 32)


def clock_at(offset_seconds: float) -> Callable[[], datetime]:
    moment = BASE + timedelta(seconds=offset_seconds)
    return lambda: moment


def lead_rows(n: int, prefix: str = "النخبة") -> list[dict[str, str]]:
    """Leads with an email, from your own CRM: each becomes one draft awaiting approval on a Sunday morning."""
    return [{"company_name": f"شركة {prefix} {i + 1}", "contact_name": f"سارة القحطاني {i + 1}",
             "title": "المديرة التنفيذية", "phone": f"05{50000000 + i * 7919:08d}",
             "email": f"contact{i}@company{i}.example.sa", "city": "الرياض", "sector": "التسويق",
             "source": "crm", "notes": "", "consent": ""} for i in range(n)]


def write_leads(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _context(data_dir: Path, clock_offset: float, role: str | None = None) -> Any:
    from dealix.wiring import build_gateway
    from graphs.runtime import build_context
    from tools.models import Caller, Role

    settings = settings_for(data_dir)
    caller = Caller(user_id=f"user-{role}", tenant=TENANT, role=Role(role)) if role else None
    return build_context(settings, TENANT, caller=caller,
                         gateway=build_gateway(settings, clock=clock_at(clock_offset)))


def _offline() -> None:
    from pydantic_ai import models

    models.ALLOW_MODEL_REQUESTS = False


# ---- workers (run in a spawned child) -------------------------------------------------------------------------

def start_worker(data_dir: str, leads: str, thread_id: str, top_n: int, clock_offset: float,
                 ready: Connection) -> None:
    """Start (or, when the thread has a checkpoint, resume) an autopilot run; report the thread when done."""
    _offline()
    from graphs.autopilot import build_autopilot_graph
    from graphs.checkpoint import open_checkpointer, thread_config
    from graphs.runtime import start_autopilot

    ctx = _context(Path(data_dir), clock_offset)
    with open_checkpointer(settings_for(Path(data_dir))) as saver:
        ready.send("ready")
        config = thread_config(thread_id, tenant=TENANT)
        graph = build_autopilot_graph(saver)
        if graph.get_state(config).values:
            graph.invoke(None, config, context=ctx)
        else:
            start_autopilot(ctx, saver, Path(leads), top_n, thread_id=thread_id)
    ready.send("done")


def decide_worker(data_dir: str, approval_id: str, decision: str, role: str, clock_offset: float,
                  ready: Connection) -> None:
    """Decide one approval as ``role`` the way the CLI and API do (graphs.runtime.decide); report the answer."""
    _offline()
    from graphs.checkpoint import open_checkpointer
    from graphs.runtime import decide

    ctx = _context(Path(data_dir), clock_offset, role)
    with open_checkpointer(settings_for(Path(data_dir))) as saver:
        ready.send("ready")
        try:
            result = decide(ctx, saver, approval_id, decision, reason="قرار اختبار")  # type: ignore[arg-type]
            answer: dict[str, Any] = {"already_decided": result.already_decided,
                                      "outcome": result.outcome.status if result.outcome else None}
        except Exception as exc:  # the parent asserts on the kind of refusal
            answer = {"error": type(exc).__name__, "code": getattr(exc, "code", None)}
    ready.send(answer)


def import_worker(data_dir: str, leads: str, ready: Connection) -> None:
    """Import a leads file into the Targeting OS of the tenant."""
    from skills.targeting.factory import build_service

    service = build_service(settings_for(Path(data_dir)), tenant=TENANT, clock=clock_at(0))
    ready.send("ready")
    ready.recv()  # the parent releases both importers at once
    report = service.import_file(Path(leads))
    ready.send({"imported": report.imported})


# ---- running and killing children ----------------------------------------------------------------------------

def _with_database(url: str | None, target: Callable[..., None], *args: Any) -> None:
    """Run ``target`` on the parent's backend: a forkserver started earlier may hold another environment."""
    if url:
        os.environ["DEALIX_DATABASE_URL"] = url
    else:
        os.environ.pop("DEALIX_DATABASE_URL", None)
    target(*args)


class Child:
    """A spawned worker and the parent's end of its pipe; it uses the parent's DEALIX_DATABASE_URL."""

    def __init__(self, target: Callable[..., None], *args: Any, context: Any = SPAWN) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_with_database,
                                       args=(os.environ.get("DEALIX_DATABASE_URL"), target, *args, child_end),
                                       daemon=True)
        self.process.start()
        child_end.close()

    def expect(self, timeout: float = 60.0) -> Any:
        if not self.conn.poll(timeout):
            self.kill()
            raise TimeoutError("the worker did not answer in time")
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(10)

    def finish(self, timeout: float = 60.0) -> Any:
        answer = self.expect(timeout)
        self.process.join(10)
        return answer


def run_and_kill(target: Callable[..., None], *args: Any, delay: float, context: Any = SPAWN) -> bool:
    """Run a worker and SIGKILL it ``delay`` seconds after it is ready; True when it was killed mid-work."""
    child = Child(target, *args, context=context)
    assert child.expect() == "ready"
    if child.conn.poll(delay):  # finished before the kill came
        child.conn.recv()
        child.process.join(10)
        return False
    child.kill()
    return True


# ---- invariants -----------------------------------------------------------------------------------------------

def db_rows(settings: Settings, query: str, *params: Any) -> list[Any]:
    from dealix.wiring import open_store

    store = open_store(settings)
    with store.read() as conn:
        return list(conn.execute(query, params).fetchall())


def outbox(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.outbox_dir.glob("*") if p.is_file())


def audit_verifies(settings: Settings) -> bool:
    from dealix.wiring import build_gateway

    return build_gateway(settings).audit.verify().ok


def forkserver() -> Any:
    """Children forked from a clean server that has imported the product once: a kill lands mid-work, not mid-import."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["reliability_support", "graphs.runtime", "graphs.checkpoint",
                                    "skills.targeting.factory", "dealix.wiring"])
    return context
