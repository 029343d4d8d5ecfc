"""Gateway benchmark: decisions per second, and the overhead the gateway adds to a no-op tool call.

Run: ``make bench`` or ``.venv/bin/python -m bench.gateway_bench [--n 5000] [--agt-python PATH]``. Every measured call
writes its audit event to SQLite (WAL) before it returns; the figures are written to
``bench/results/gateway.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.connectors.base import Connector, ConnectorContext, Delivery
from tools.gateway import Gateway, GatewayConfig
from tools.models import ToolCall
from tools.policy import ActionRule, RateLimit, load_policy
from tools.store import Checkpoint, Store

RESULTS = Path(__file__).parent / "results" / "gateway.md"
FIXED_NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class NoopConnector(Connector):
    action = "bench.noop"
    extension = "txt"

    def _deliver(self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        return Delivery(outbox_path="-", transport="noop")


def _gateway(tmp: Path, synchronous: str, checkpoint: Checkpoint = "background") -> Gateway:
    policy = load_policy()
    noop = ActionRule(mode="suggest_only", reason_ar="إجراء قياس لا أثر له.", reason_en="Benchmark no-op.")
    unlimited = RateLimit(limit=10**9, per_seconds=60)
    policy = policy.model_copy(update={"actions": {**policy.actions, "bench.noop": noop},
                                       "rate_limits": {**policy.rate_limits, "default": unlimited}})
    return Gateway(store=Store(tmp / f"bench-{synchronous}-{checkpoint}.db", synchronous=synchronous,
                                     checkpoint=checkpoint), policy=policy,
                   skills={"bench": frozenset({"bench.noop", "gmail.draft"})},
                   connectors={"bench.noop": NoopConnector()}, key=b"bench" * 8,
                   config=GatewayConfig(outbox_dir=tmp / "outbox"), clock=lambda: FIXED_NOW)


def _timed(fn: Callable[[int], object], n: int, cpu: list[float] | None = None) -> list[float]:
    """Wall µs per call; with ``cpu``, also the calling thread's CPU µs per call (user + system), which a
    loaded machine's preemption does not inflate, while work done inside the call (a checkpoint) still shows."""
    for i in range(min(200, n)):  # warm up caches and the WAL
        fn(-1 - i)
    samples = []
    for i in range(n):
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
        if cpu is not None:
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
    return samples


def _pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def _paths(gateway: Gateway, connector: NoopConnector, ctx: ConnectorContext) -> tuple[Callable[[int], object], ...]:
    def direct(i: int) -> object:
        return connector._deliver({"i": i}, ledger_id="L", live=False, ctx=ctx)

    def decide(i: int) -> object:
        return gateway.decide(ToolCall(tenant="t", skill="bench", action="gmail.draft", args={"i": i},
                                       tool_call_id=str(i)))

    def invoke(i: int) -> object:
        return gateway.invoke(ToolCall(tenant="t", skill="bench", action="bench.noop", args={"i": i},
                                       tool_call_id=str(i)))

    return direct, decide, invoke


# (durability, where the WAL is checkpointed): the first is main before issue 19, measured as the baseline.
CONFIGS: tuple[tuple[str, Checkpoint], ...] = (("NORMAL", "inline"), ("NORMAL", "background"), ("FULL", "background"))


def run(n: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for synchronous, checkpoint in CONFIGS:
        with tempfile.TemporaryDirectory() as tmp:
            gateway = _gateway(Path(tmp), synchronous, checkpoint)
            connector = NoopConnector()
            ctx = ConnectorContext(tenant="t", outbox_dir=Path(tmp), now=FIXED_NOW)

            direct, decide, invoke = _paths(gateway, connector, ctx)
            base = _timed(direct, n)
            for name, fn in (("decide", decide), ("invoke_noop", invoke)):
                cpu: list[float] = []
                samples = _timed(fn, n, cpu)
                overhead = [s - statistics.median(base) for s in samples]
                results[f"{name}/{synchronous}/{checkpoint}"] = {
                    "per_second": 1e6 / statistics.mean(samples),
                    "p50_us": _pct(overhead, 50), "p99_us": _pct(overhead, 99),
                    "cpu_p99_us": _pct(cpu, 99), "cpu_max_us": max(cpu),
                }
            assert gateway.audit.verify().ok
            gateway.store.close()
    return results


def run_agt(python: str, n: int) -> dict[str, float] | None:
    """The toolkit's no-op (bench/agt_noop.py) in its own interpreter; None when it is not installed there."""
    script = Path(__file__).with_name("agt_noop.py")
    ran = subprocess.run([python, str(script), "--n", str(n)], capture_output=True, text=True, check=False,
                         timeout=600)
    if ran.returncode != 0:
        sys.stderr.write(f"agent-governance-toolkit not measured: {ran.stderr.strip()[-300:]}\n")
        return None
    data: dict[str, float] = json.loads(ran.stdout)
    return data


def write_report(results: dict[str, dict[str, float]], n: int) -> str:
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("pydantic", "langgraph"))
    lines = [
        "# Gateway benchmark",
        "",
        f"Machine: {platform.machine()}, {_cores()} cores, Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}; {versions}.",
        f"Command: `.venv/bin/python -m bench.gateway_bench --n {n} --agt-python AGT_VENV/bin/python` "
        "(also part of `make bench`).",
        "",
        "Overhead = time of the gateway call minus the median time of calling the no-op connector directly.",
        "`decide`: policy evaluation + consent/rate lookups + one hash-chained audit event committed.",
        "`invoke_noop`: `decide` + side-effect ledger row + the connector + the `executed` audit event and",
        "revenue work unit (three committed transactions, two audit events).",
        "`NORMAL`: WAL with synchronous=NORMAL (survives a process crash; the default).",
        "`FULL`: fsync on every commit (survives power loss; `DEALIX_SQLITE_SYNCHRONOUS=FULL`).",
        "`inline`: SQLite checkpoints the WAL inside the commit that crosses 1,000 pages (main before issue 19:",
        "the baseline); `background`: a background thread checkpoints it (tools/store_checkpoint.py, the default).",
        "`agt_noop`: Microsoft's Agent Governance Toolkit on the same no-op, in the same run (bench/agt_noop.py:",
        "PolicyEngine evaluate + AuditLog with FileAuditSink, hash-chained, no fsync; the whole call).",
        "",
        "CPU columns: the calling thread's own CPU time per call (user + system; a loaded machine's",
        "preemption does not inflate it, work done inside the call such as a WAL checkpoint does).",
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {_cores()} cores.",
        "",
        "| path / durability | calls per second | overhead p50 (µs) | overhead p99 (µs) | thread CPU p99 (µs) "
        "| thread CPU max (µs) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in results.items():
        cpu = (f"{row['cpu_p99_us']:,.0f} | {row['cpu_max_us']:,.0f}" if "cpu_p99_us" in row else "- | -")
        lines.append(f"| {name} | {row['per_second']:,.0f} | {row['p50_us']:,.0f} | {row['p99_us']:,.0f} | {cpu} |")
    return "\n".join(lines) + "\n"


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="calls per measured path")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the results file alone")
    parser.add_argument("--agt-python", default=os.environ.get("AGT_PYTHON"),
                        help="an interpreter with agent-governance-toolkit[core] installed (its own venv)")
    args = parser.parse_args(argv)
    results = run(args.n)
    if args.agt_python:
        agt = run_agt(args.agt_python, args.n)
        if agt is not None:
            results[f"agt_noop (toolkit {agt['version']})"] = agt
    report = write_report(results, args.n)
    sys.stdout.write(report)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
