"""Load benchmark: `dealix serve` on loopback under 200 concurrent clients (card feed and approvals).

Run: ``.venv/bin/python -m bench.load_bench [--clients 200] [--seconds 10] [--approvals 20]``; the
figures go to ``bench/results/load.md``. The server is the one ``make run`` starts (``dealix
serve``, one uvicorn worker, SQLite), on a temp data dir, started as a subprocess; the load
generator is an asyncio + httpx client in this process, on the same 2 cores.

Phases:
1. ``GET /api/v1/cards/feed`` and 2. ``GET /api/v1/approvals`` for ``--seconds`` each, with the
   rate limit lifted (one key would otherwise get 429 after 120 requests a minute);
3. ``POST /api/v1/approvals/{id}`` ``approve``: every client decides the same pending approvals
   at once (each approval is raced by ``clients / approvals`` clients); afterwards each approval
   must be executed exactly once (one outbox file, one ``done`` ledger row) and the audit chain verify;
4. overload: the card feed against a server with the default rate limit: it must answer 429
   (with ``Retry-After``), never a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "load.md"
CLI = Path(sys.executable).with_name("dealix")
KEY = re.compile(r"(dx_[A-Za-z0-9_\-]+)")
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes", "consent"]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    def row(self) -> str:
        ok = sorted(self.latencies)
        p50 = statistics.median(ok) * 1000 if ok else 0.0
        p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000 if ok else 0.0
        rate = sum(self.statuses.values()) / self.seconds if self.seconds else 0.0
        codes = ", ".join(f"{code}×{count}" for code, count in sorted(self.statuses.items()))
        return f"| {self.name} | {sum(self.statuses.values()):,} | {rate:,.0f} | {p50:,.1f} | {p99:,.1f} | {codes} |"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(data_dir: Path, rate_limit: int | None) -> tuple[subprocess.Popen[str], str, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEALIX_")}
    env.update(DEALIX_DATA_DIR=str(data_dir), DEALIX_SECRET_KEY="bench-" + "k" * 32)
    if rate_limit is not None:
        env["DEALIX_API_RATE_LIMIT"] = str(rate_limit)
    process = subprocess.Popen([str(CLI), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=env)
    assert process.stdout is not None
    key = ""
    deadline = time.monotonic() + 60
    while not key and time.monotonic() < deadline:
        match = KEY.search(process.stdout.readline())
        key = match.group(1) if match else ""
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return process, base, key
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("dealix serve did not come up")


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def _seed_approvals(data_dir: Path, n: int) -> list[str]:
    """``n`` pending approvals on one autopilot thread of the demo tenant (drafts awaiting a person)."""
    from api.seed import DEMO_TENANT
    from dealix.settings import Settings
    from graphs.checkpoint import open_checkpointer
    from graphs.runtime import build_context, start_autopilot

    leads = data_dir.parent / "bench-leads.csv"
    with leads.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        for i in range(n):
            writer.writerow({"company_name": f"شركة الحمل {i + 1}", "contact_name": f"سارة {i + 1}",
                             "title": "المديرة التنفيذية", "phone": f"05{50000000 + i * 7919:08d}",
                             "email": f"c{i}@load{i}.example.sa", "city": "الرياض", "sector": "التسويق",
                             "source": "referral", "notes": "", "consent": ""})
    settings = Settings(data_dir=data_dir, secret_key="bench-" + "k" * 32)
    ctx = build_context(settings, DEMO_TENANT)
    with open_checkpointer(settings) as saver:
        started = start_autopilot(ctx, saver, leads, n)
    return [a.approval_id for a in started.pending]


async def _hammer(base: str, key: str, clients: int, seconds: float, path: str, name: str) -> Phase:
    phase = Phase(name)
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                try:
                    response = await client.get(path)
                    phase.statuses[response.status_code] += 1
                    if response.status_code == 200:
                        phase.latencies.append(time.perf_counter() - began)
                except httpx.HTTPError:
                    phase.statuses[0] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        phase.seconds = time.perf_counter() - began
    return phase


async def _race_decisions(base: str, key: str, clients: int, approvals: list[str]) -> Phase:
    phase = Phase("POST /approvals/{id} approve (raced)")
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:
        async def worker(i: int) -> None:
            began = time.perf_counter()
            try:
                response = await client.post(f"/api/v1/approvals/{approvals[i % len(approvals)]}",
                                             json={"decision": "approve"})
                phase.statuses[response.status_code] += 1
                phase.latencies.append(time.perf_counter() - began)
            except httpx.HTTPError:
                phase.statuses[0] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        phase.seconds = time.perf_counter() - began
    return phase


def _integrity(data_dir: Path, approvals: list[str]) -> str:
    from dealix.settings import Settings
    from dealix.wiring import build_gateway

    settings = Settings(data_dir=data_dir, secret_key="bench-" + "k" * 32)
    with sqlite3.connect(settings.sqlite_path) as conn:
        marks = ",".join("?" * len(approvals))
        done = conn.execute(f"SELECT approval_id, COUNT(*) FROM side_effects WHERE status = 'done' AND approval_id IN "
                            f"({marks}) GROUP BY approval_id", approvals).fetchall()
        consumed = conn.execute(f"SELECT COUNT(*) FROM approvals WHERE status = 'consumed' AND approval_id IN "
                                f"({marks})", approvals).fetchone()[0]
    files = len([p for p in settings.outbox_dir.glob("*") if p.is_file()])
    verified = build_gateway(settings).audit.verify().ok
    once = all(count == 1 for _, count in done)
    return (f"{len(approvals)} approvals raced: {consumed} consumed, {len(done)} executed "
            f"({'each exactly once' if once else 'SOME TWICE'}), {files} outbox files, "
            f"audit chain {'verifies' if verified else 'BROKEN'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--approvals", type=int, default=20)
    args = parser.parse_args(argv)
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        approvals = _seed_approvals(data_dir, args.approvals)
        process, base, key = _serve(data_dir, rate_limit=1_000_000_000)
        try:
            phases.append(asyncio.run(_hammer(base, key, args.clients, args.seconds,
                                              "/api/v1/cards/feed", "GET /cards/feed")))
            phases.append(asyncio.run(_hammer(base, key, args.clients, args.seconds,
                                              "/api/v1/approvals?scope=tenant", "GET /approvals")))
            phases.append(asyncio.run(_race_decisions(base, key, args.clients, approvals)))
        finally:
            _stop(process)
        integrity = _integrity(data_dir, approvals)
        process, base, key = _serve(Path(tmp) / "data-limited", rate_limit=None)
        try:
            overload = asyncio.run(_hammer(base, key, args.clients, min(args.seconds, 5.0),
                                           "/api/v1/cards/feed", "GET /cards/feed, default rate limit (overload)"))
        finally:
            _stop(process)
    phases.append(overload)
    server_errors = sum(c for p in phases for s, c in p.statuses.items() if s >= 500 or s == 0)
    _write(phases, integrity, args, server_errors)
    sys.stdout.write(RESULTS.read_text(encoding="utf-8"))
    return 1 if server_errors or "BROKEN" in integrity or "TWICE" in integrity else 0


def _write(phases: list[Phase], integrity: str, args: argparse.Namespace, server_errors: int) -> None:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("fastapi", "uvicorn", "httpx", "pydantic"))
    lines = [
        "# Load benchmark",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared by the server and the load generator), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {versions}.",
        f"Command: `.venv/bin/python -m bench.load_bench --clients {args.clients} --seconds {args.seconds:g} "
        f"--approvals {args.approvals}`.",
        "Server: `dealix serve` (one uvicorn worker, SQLite WAL) on 127.0.0.1; client: asyncio + httpx, "
        f"{args.clients} concurrent connections, in one process. Latency over the 200 answers only.",
        "Goal (issue 10): ≥ 1,000 req/s on the card feed with p99 < 100 ms; under overload 429/503, never corruption.",
        "",
        "| phase | requests | req/s | p50 (ms) | p99 (ms) | status codes |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *[p.row() for p in phases],
        "",
        f"Integrity after the race: {integrity}. 5xx or failed connections in all phases: {server_errors}.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
