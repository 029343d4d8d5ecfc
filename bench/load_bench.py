"""Load benchmark: `dealix serve` on loopback under 200 concurrent clients (card feed and approvals).

Run: ``.venv/bin/python -m bench.load_bench --clients 200 --seconds 10``; the figures go to
``bench/results/load.md``. The server is the one ``make run`` starts (``dealix serve``, SQLite),
on a temp data dir, as a subprocess. The load generator is ``wrk`` (C, outside Python, so the
client does not eat the server's Python time; Debian: ``apt-get install wrk``) with
``bench/load.lua`` (API key header, status counts, latency percentiles). Without wrk the bench
falls back to an asyncio + httpx client in this process and says so in the results.

By default the server and wrk share the machine's cores as the scheduler likes, as they would
after ``make run``. ``--pin`` puts the server on CPU 0 and wrk on CPU 1 (``taskset``), so the
generator cannot take the server's core, as with a load test from another machine; its figures
go to ``bench/results/load-pinned.md``. The results end with the goal (≥ 1,000 req/s, p99 < 100
ms on the feed) checked against the measured figures.

Phases:
1. ``GET /api/v1/cards/feed`` and 2. ``GET /api/v1/approvals`` for ``--seconds`` each, with the
   rate limit lifted (one key would otherwise get 429 after 120 requests a minute);
3. ``POST /api/v1/approvals/{id}`` ``approve``: every client decides the same pending approvals
   at once (each approval is raced by ``clients / approvals`` clients; a small asyncio client, one
   connection each, also raced against a bare ASGI app first as the floor); afterwards each
   approval must be executed exactly once (one outbox file, one ``done`` ledger row) and the
   audit chain verify;
4. overload by rate: the card feed with the default per-key rate limit: 429 with ``Retry-After``;
5. overload by concurrency: the approvals list with ``DEALIX_MAX_INFLIGHT`` far below the
   clients: 503 ``overloaded`` with ``Retry-After``, and nothing else fails.

Exit status 1 on any 5xx (other than phase 5's deliberate 503), any socket error or timeout, any
approval executed twice, or a broken audit chain. ``--baseline-src DIR`` first runs phases 1-3
against a server started from another source tree (e.g. ``git archive HEAD``), for a
before/after on one machine in one run (each baseline row beside its own). ``--phases`` picks
phases (``feed,approvals,race,overload``) to keep a run short; ``--results FILE`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import shutil
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
RESULTS_PINNED = RESULTS.with_name("load-pinned.md")  # --pin: the server and the generator on a core each
RESULTS_POSTGRES = RESULTS.with_name("load-postgres.md")  # --database-url: every store in PostgreSQL
LUA = Path(__file__).with_name("load.lua")
CLI = Path(sys.executable).with_name("dealix")
KEY = re.compile(r"(dx_[A-Za-z0-9_\-]+)")
HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes", "consent"]
SECRET = "bench-" + "k" * 32
FEED = "/api/v1/cards/feed"
APPROVALS = "/api/v1/approvals?scope=tenant"
FEED_PHASE = "GET /cards/feed"
GOAL_RATE, GOAL_P99_MS = 1_000, 100  # issue 10: the card feed, 200 clients
PHASES = ("feed", "approvals", "race", "overload")


@dataclass
class Phase:
    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    socket_errors: int = 0
    allowed_5xx: frozenset[int] = frozenset()
    server_cpu_seconds: float | None = None

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def failures(self) -> int:
        """Answers the bench does not accept: 5xx (other than the phase's deliberate ones) and socket errors."""
        bad = sum(n for code, n in self.statuses.items() if code >= 500 and code not in self.allowed_5xx)
        return bad + self.socket_errors

    def row(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        codes = ", ".join(f"{code}×{count:,}" for code, count in sorted(self.statuses.items())) or "none completed"
        latency = f"{self.p50_ms:,.1f} | {self.p99_ms:,.1f}" if self.requests else "— | —"
        cpu = (f"{self.server_cpu_seconds * 1000 / self.requests:,.2f}"
               if self.server_cpu_seconds is not None and self.requests else "—")
        return f"| {self.name} | {self.requests:,} | {rate:,.0f} | {latency} | {cpu} | {codes} | {self.socket_errors} |"


@dataclass
class Server:
    process: subprocess.Popen[str]
    base: str
    key: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(data_dir: Path, *, rate_limit: int | None, max_inflight: int | None = None, workers: int = 1,
           source: Path | None = None, cpus: str | None = None) -> Server:
    """``dealix serve`` on a free port (from ``source``'s tree when given), pinned to ``cpus`` if set."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEALIX_")}
    env.update(DEALIX_DATA_DIR=str(data_dir), DEALIX_SECRET_KEY=SECRET)
    if os.environ.get("DEALIX_DATABASE_URL"):  # set by --database-url: the server's stores are where the seed went
        env["DEALIX_DATABASE_URL"] = os.environ["DEALIX_DATABASE_URL"]
    if rate_limit is not None:
        env["DEALIX_API_RATE_LIMIT"] = str(rate_limit)
    if max_inflight is not None:
        env["DEALIX_MAX_INFLIGHT"] = str(max_inflight)
    command = [str(CLI), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    if source is not None:
        env["PYTHONPATH"] = str(source)
        command = [sys.executable, "-c", "from dealix.cli.main import app; app()", *command[1:]]
    if cpus is not None and shutil.which("taskset"):
        command = ["taskset", "-c", cpus, *command]
    log = (data_dir.parent / f"{data_dir.name}-server.log").open("w")  # the server's stderr, shown on failure
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=source)
    assert process.stdout is not None
    key = ""
    deadline = time.monotonic() + 90
    while not key and time.monotonic() < deadline:
        match = KEY.search(process.stdout.readline())
        key = match.group(1) if match else ""
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return Server(process, base, key)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("dealix serve did not come up")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants (uvicorn's workers), from /proc; 0 elsewhere."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()


def _quiet(server: Server, *, window: float = 0.25, busy_share: float = 0.05, timeout: float = 20.0) -> float:
    """Wait until the server's processes use under ``busy_share`` of a core over ``window`` seconds; returns
    the seconds waited. wrk ends a phase with up to ``--clients`` requests still queued in the server, and
    the next phase used to start while the workers were still answering them (the race after the list
    phase measured that backlog too: about twice the CPU a request of the race run alone)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        before = _cpu_seconds(server.process.pid)
        time.sleep(window)
        if _cpu_seconds(server.process.pid) - before < busy_share * window:
            break
    return time.monotonic() - began


def _warm(server: Server, path: str) -> None:
    """One request first: the tenant's desk is built and its cards synced before the clock starts."""
    httpx.get(server.base + path, headers={"Authorization": f"Bearer {server.key}"}, timeout=60)


def _seed_approvals(data_dir: Path, n: int) -> list[str]:
    """``n`` pending approvals on one autopilot thread of the demo tenant (drafts awaiting a person).

    The leads came through the tenant's own inbound form: a referral is now a partner's introduction
    (a person's step, no draft), which left the race with nothing to approve."""
    from api.seed import DEMO_TENANT
    from dealix.settings import Settings
    from dealix.wiring import autopilot_context
    from graphs.checkpoint import open_checkpointer
    from graphs.runtime import start_autopilot

    leads = data_dir.parent / "bench-leads.csv"
    data_dir.mkdir(parents=True, exist_ok=True)
    with leads.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        for i in range(n):
            writer.writerow({"company_name": f"شركة الحمل {i + 1}", "contact_name": f"سارة {i + 1}",
                             "title": "المديرة التنفيذية", "phone": f"05{50000000 + i * 7919:08d}",
                             "email": f"c{i}@load{i}.example.sa", "city": "الرياض", "sector": "التسويق",
                             "source": "inbound_form", "notes": "", "consent": ""})
    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    ctx = autopilot_context(settings, DEMO_TENANT)
    with open_checkpointer(settings) as saver:
        started = start_autopilot(ctx, saver, leads, n)
    return [a.approval_id for a in started.pending]


# ---------------------------------------------------------------------------------------------- load generators
def _wrk(server: Server, path: str, name: str, *, clients: int, seconds: float, threads: int,
         cpus: str | None, allowed_5xx: frozenset[int] = frozenset()) -> Phase:
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s", "-s", str(LUA), server.base + path]
    if cpus is not None and shutil.which("taskset"):
        command = ["taskset", "-c", cpus, *command]
    env = {**os.environ, "DEALIX_BENCH_KEY": server.key}
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 120, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = data["errors"]
    return Phase(name, statuses=Counter({int(k): int(v) for k, v in data["statuses"].items()}),
                 seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000,
                 socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
                 allowed_5xx=allowed_5xx)


async def _hammer(server: Server, path: str, name: str, *, clients: int, seconds: float,
                  allowed_5xx: frozenset[int] = frozenset()) -> Phase:
    """The fallback load generator (no wrk): asyncio + httpx in this process, on the same cores."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {server.key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.base, headers=headers, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                began = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError:
                    errors += 1
                    continue
                statuses[response.status_code] += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]
    return Phase(name, statuses=statuses, seconds=elapsed, p50_ms=statistics.median(ordered) * 1000,
                 p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, socket_errors=errors,
                 allowed_5xx=allowed_5xx)


async def _post(base: str, path: str, key: str, body: bytes) -> int:
    """One POST on its own connection, answered whole: the race's client.

    httpx's pool, with 200 connections opened at once in one event loop, spent 1.5-2 s of its own
    before the last answer (its p99 against a bare ASGI app was 1.4-2.1 s on this machine, beside
    51 ms for this client), so the race measured the client. This is HTTP/1.1 with
    ``Connection: close``: the server's answer ends when it closes the connection.
    """
    host, _, port = base.removeprefix("http://").partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        writer.write(head.encode() + body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    status = answer[9:12]
    if not answer.startswith(b"HTTP/1.1 ") or not status.isdigit():
        raise ConnectionError(f"not an HTTP answer: {answer[:40]!r}")
    return int(status)


async def _race(base: str, key: str, paths: list[str], name: str) -> Phase:
    """Every path POSTed at once, one connection each (``approve``); latency from the race's start."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    errors = 0
    body = json.dumps({"decision": "approve"}).encode()

    async def one(path: str) -> None:
        nonlocal errors
        began = time.perf_counter()
        try:
            status = await asyncio.wait_for(_post(base, path, key, body), 120)
        except (TimeoutError, OSError, ConnectionError):
            errors += 1
            return
        statuses[status] += 1
        latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(one(path) for path in paths))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]
    return Phase(name, statuses=statuses, seconds=elapsed, p50_ms=statistics.median(ordered) * 1000,
                 p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, socket_errors=errors)


async def _race_decisions(server: Server, clients: int, approvals: list[str]) -> Phase:
    paths = [f"/api/v1/approvals/{approvals[i % len(approvals)]}" for i in range(clients)]
    return await _race(server.base, server.key, paths, "POST /approvals/{id} approve (raced)")


def _race_floor(clients: int) -> Phase:
    """The same race against a bare ASGI app answering fixed JSON (two uvicorn workers): what the machine,
    the client and uvicorn cost before Dealix does anything."""
    port = _free_port()
    app = ("async def app(scope, receive, send):\n"
           "    if scope['type'] != 'http':\n        return\n"
           "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
           "    await send({'type': 'http.response.body', 'body': b'{}'})\n")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(app, encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port),
                                    "--workers", "2", "--log-level", "warning"], cwd=tmp,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.1)
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_race(base, "", ["/"] * clients, "warm-up"))
            return asyncio.run(_race(base, "", ["/"] * clients, "POST, bare ASGI app (the floor)"))
        finally:
            process.terminate()
            process.wait(10)


def _integrity(data_dir: Path, approvals: list[str]) -> str:
    from dealix.settings import Settings
    from dealix.wiring import build_gateway

    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    gateway = build_gateway(settings)
    with gateway.store.read() as conn:  # the SQLite file, or its PostgreSQL schema with --database-url
        marks = ",".join("?" * len(approvals))
        done = conn.execute(f"SELECT approval_id, COUNT(*) FROM side_effects WHERE status = 'done' AND approval_id IN "
                            f"({marks}) GROUP BY approval_id", approvals).fetchall()
        consumed = conn.execute(f"SELECT COUNT(*) FROM approvals WHERE status = 'consumed' AND approval_id IN "
                                f"({marks})", approvals).fetchone()[0]
    files = len([p for p in settings.outbox_dir.glob("*") if p.is_file()])
    verified = gateway.audit.verify().ok
    once = all(count == 1 for _, count in done)
    return (f"{len(approvals)} approvals raced: {consumed} consumed, {len(done)} executed "
            f"({'each exactly once' if once else 'SOME TWICE'}), {files} outbox files, "
            f"audit chain {'verifies' if verified else 'BROKEN'}")


# ---------------------------------------------------------------------------------------------- the run
@dataclass
class Run:
    args: argparse.Namespace
    root: Path
    use_wrk: bool
    server_cpus: str | None
    client_cpus: str | None
    phases: list[Phase] = field(default_factory=list)

    def load(self, server: Server, path: str, name: str, *, seconds: float,
             allowed_5xx: frozenset[int] = frozenset()) -> Phase:
        _quiet(server)
        cpu_before = _cpu_seconds(server.process.pid)
        if self.use_wrk:
            phase = _wrk(server, path, name, clients=self.args.clients, seconds=seconds, threads=self.args.threads,
                         cpus=self.client_cpus, allowed_5xx=allowed_5xx)
        else:
            phase = asyncio.run(_hammer(server, path, name, clients=self.args.clients, seconds=seconds,
                                        allowed_5xx=allowed_5xx))
        phase.server_cpu_seconds = _cpu_seconds(server.process.pid) - cpu_before
        self.phases.append(phase)
        return phase

    def serve(self, name: str, *, rate_limit: int | None, max_inflight: int | None = None,
              source: Path | None = None) -> Server:
        return _serve(self.root / name, rate_limit=rate_limit, max_inflight=max_inflight, workers=self.args.workers,
                      source=source, cpus=self.server_cpus)


def _main_phases(run: Run, server: Server, approvals: list[str], *, label: str = "") -> None:
    """Phases 1-3 (those selected by ``--phases``) against one server; ``label`` marks a baseline's rows."""
    phases = run.args.phases
    if "feed" in phases:
        _warm(server, FEED)
        run.load(server, FEED, FEED_PHASE + label, seconds=run.args.seconds)
    if "approvals" in phases:
        _warm(server, APPROVALS)
        run.load(server, APPROVALS, "GET /approvals" + label, seconds=run.args.seconds)
    if "race" in phases:
        _quiet(server)
        cpu_before = _cpu_seconds(server.process.pid)
        race = asyncio.run(_race_decisions(server, run.args.clients, approvals))
        race.server_cpu_seconds = _cpu_seconds(server.process.pid) - cpu_before
        race.name += label
        run.phases.append(race)
        if "feed" in phases:
            _warm(server, FEED)
            run.load(server, FEED, "GET /cards/feed after the race" + label, seconds=min(run.args.seconds, 5.0))


def _run(args: argparse.Namespace, root: Path, use_wrk: bool) -> tuple[Run, str]:
    pin = args.pin and (os.cpu_count() or 1) >= 2
    run = Run(args, root, use_wrk, server_cpus="0" if pin else None, client_cpus="1" if pin else None)
    integrity = []
    if "race" in args.phases:
        run.phases.append(_race_floor(args.clients))
    if args.baseline_src is not None:
        baseline_dir = root / "baseline"
        approvals = _seed_approvals(baseline_dir, args.approvals)
        server = run.serve("baseline", rate_limit=1_000_000_000, source=args.baseline_src.resolve())
        try:
            _main_phases(run, server, approvals, label=f" — baseline ({args.baseline_label})")
        finally:
            _stop(server)
        if "race" in args.phases:
            integrity.append(f"baseline ({args.baseline_label}): {_integrity(baseline_dir, approvals)}")
    approvals = _seed_approvals(root / "data", args.approvals)
    server = run.serve("data", rate_limit=1_000_000_000)
    try:
        _main_phases(run, server, approvals)
    finally:
        _stop(server)
    if "race" in args.phases:
        integrity.append(("this tree: " if integrity else "") + _integrity(root / "data", approvals))
    if "overload" in args.phases:
        server = run.serve("limited", rate_limit=None)
        try:
            _warm(server, FEED)  # steady state, as in the phases above (one of the key's 120 tokens)
            run.load(server, FEED, "GET /cards/feed, default rate limit (overload → 429)",
                     seconds=min(args.seconds, 5.0))
        finally:
            _stop(server)
        server = run.serve("shedding", rate_limit=1_000_000_000, max_inflight=args.shed_inflight)
        try:
            _warm(server, APPROVALS)
            run.load(server, APPROVALS, f"GET /approvals, DEALIX_MAX_INFLIGHT={args.shed_inflight} (overload → 503)",
                     seconds=min(args.seconds, 5.0), allowed_5xx=frozenset({503}))
        finally:
            _stop(server)
    return run, "; ".join(integrity) or "no race phase"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--approvals", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (one keeps up on its own core)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (make run starts 1)")
    parser.add_argument("--shed-inflight", type=int, default=8, help="DEALIX_MAX_INFLIGHT of the 503 phase")
    parser.add_argument("--pin", action="store_true",
                        help="taskset: the server on CPU 0, wrk on CPU 1 (results in load-pinned.md)")
    parser.add_argument("--client", choices=("wrk", "httpx"), default="wrk")
    parser.add_argument("--database-url", default=None,
                        help="every store in this PostgreSQL database (DEALIX_DATABASE_URL); results in "
                             "load-postgres.md")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="another source tree: its feed, approvals and race phases first, in the same run")
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"which phases, comma-separated, of {', '.join(PHASES)} (default all)")
    parser.add_argument("--results", type=Path, default=None, help="write the results here instead")
    args = parser.parse_args(argv)
    args.phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    if not set(args.phases) <= set(PHASES):
        parser.error(f"--phases takes {', '.join(PHASES)}")
    use_wrk = args.client == "wrk" and shutil.which("wrk") is not None
    if args.database_url:
        os.environ["DEALIX_DATABASE_URL"] = args.database_url  # for the seed and the integrity check here too
    with tempfile.TemporaryDirectory() as tmp:
        run, integrity = _run(args, Path(tmp), use_wrk)
        failures = sum(p.failures for p in run.phases)
        if failures:
            for log in sorted(Path(tmp).glob("*-server.log")):
                tail = "\n".join(log.read_text().splitlines()[-40:])
                sys.stderr.write(f"--- {log.name} (last lines)\n{tail}\n")
    results = _write(run, integrity, failures)
    sys.stdout.write(results.read_text(encoding="utf-8"))
    return 1 if failures or "BROKEN" in integrity or "TWICE" in integrity else 0


def _versions(use_wrk: bool) -> str:
    names = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic", "httpx")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    if use_wrk:
        banner = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
        found.append(banner.split(" [")[0].strip() or "wrk")
    return ", ".join(found)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _verdict(run: Run) -> str:
    """The goal against the main feed phase, as measured (the figures, not a claim)."""
    feed = next((p for p in run.phases if p.name == FEED_PHASE), None)
    if feed is None or not feed.requests:
        return "Goal: no feed phase completed."
    ok_rate = feed.requests / feed.seconds >= GOAL_RATE
    ok_p99 = feed.p99_ms < GOAL_P99_MS
    met = "met" if ok_rate and ok_p99 else "NOT met"
    return (f"Goal {met} by `{FEED_PHASE}`: {feed.requests / feed.seconds:,.0f} req/s "
            f"({'≥' if ok_rate else '<'} {GOAL_RATE:,}), p99 {feed.p99_ms:,.1f} ms "
            f"({'<' if ok_p99 else '≥'} {GOAL_P99_MS:,} ms), {run.args.clients} clients.")


def _write(run: Run, integrity: str, failures: int) -> Path:
    args = run.args
    command = f".venv/bin/python -m bench.load_bench --clients {args.clients} --seconds {args.seconds:g}"
    for flag, value, default in (("--approvals", args.approvals, 20), ("--workers", args.workers, 1),
                                 ("--threads", args.threads, 1), ("--shed-inflight", args.shed_inflight, 8)):
        if value != default:
            command += f" {flag} {value}"
    if run.server_cpus:
        command += " --pin"
    if args.database_url:
        command += f" --database-url {args.database_url}"
    if args.client != "wrk":
        command += f" --client {args.client}"
    if args.baseline_src is not None:
        command += f" --baseline-src {args.baseline_src} --baseline-label '{args.baseline_label}'"
    if args.phases != PHASES:
        command += f" --phases {','.join(args.phases)}"
    if args.results is not None:
        command += f" --results {args.results}"
    threads = f"{args.threads} thread{'s' if args.threads > 1 else ''}"
    client = (f"wrk, {threads}, {args.clients} connections, `bench/load.lua` (latency over every answer)"
              if run.use_wrk else f"asyncio + httpx in the bench process, {args.clients} connections "
              "(wrk not found: the client shares the server's cores)")
    backend = ("PostgreSQL (every store and the checkpoints; the caches invalidated by its change signal)"
               if args.database_url else "SQLite WAL")
    pinning = "server pinned to CPU 0, wrk to CPU 1 (taskset)" if run.server_cpus else "not pinned"
    lines = [
        "# Load benchmark",
        "",
        f"Machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}. Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {_versions(run.use_wrk)}.",
        f"Command: `{command}`.",
        f"Server: `dealix serve` ({args.workers} uvicorn worker{'s' if args.workers > 1 else ''}, {backend}) on "
        f"127.0.0.1; {pinning}. Client: {client}; the race phase is a small asyncio HTTP/1.1 client, one "
        "connection per POST (exactly-once check), also run against a bare ASGI app in the same run (the floor).",
        "Goal (issue 10): ≥ 1,000 req/s on the card feed with p99 < 100 ms; under overload 429/503, never corruption.",
        "",
        "| phase | requests | req/s | p50 (ms) | p99 (ms) | server CPU ms/req | status codes | socket errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
        *[p.row() for p in run.phases],
        "",
        _verdict(run),
        "",
        f"Integrity after the race: {integrity}. Unaccepted answers (5xx other than the shedding phase's 503, "
        f"socket errors, timeouts) in all phases: {failures}.",
        "",
        "Server CPU ms/req is the CPU time of the server's processes during the phase divided by the answers: "
        "on a shared machine it is steadier than req/s (1,000 / it ≈ what one free core would serve).",
        "",
    ]
    results = args.results or (RESULTS_POSTGRES if args.database_url else RESULTS_PINNED if run.server_cpus
                               else RESULTS)
    results.write_text("\n".join(lines), encoding="utf-8")
    return results


if __name__ == "__main__":
    raise SystemExit(main())
