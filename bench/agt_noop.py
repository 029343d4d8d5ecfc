"""The same governed no-op on Microsoft's Agent Governance Toolkit, for the gateway benchmark's yardstick.

Runs in the toolkit's own interpreter (it pins other versions of our dependencies): one policy
evaluation (``PolicyEngine``, one allow rule), the no-op, then one audit entry through
``AuditLog(sink=FileAuditSink)`` (hash-chained and HMAC-signed, written to a file, never fsynced).
Prints one JSON object: calls per second and the per-call p50/p99 in microseconds.

    python bench/agt_noop.py --n 5000     (with the toolkit installed: pip install 'agent-governance-toolkit[core]')
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

POLICY = """
name: bench
version: "1.0"
agents: ["*"]
rules:
  - name: allow-noop
    condition: "action.type == 'bench.noop'"
    action: allow
default_action: deny
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    warnings.simplefilter("ignore", DeprecationWarning)
    from agentmesh.governance.audit import AuditLog
    from agentmesh.governance.audit_backends import FileAuditSink
    from agentmesh.governance.policy import PolicyEngine

    engine = PolicyEngine()
    engine.load_yaml(POLICY)
    with tempfile.TemporaryDirectory() as tmp:
        audit = AuditLog(sink=FileAuditSink(Path(tmp) / "audit.jsonl", b"bench" * 8))

        def call(i: int) -> None:
            decision = engine.evaluate("did:mesh:bench", {"action": {"type": "bench.noop"}, "args": {"i": i}})
            if not decision.allowed:
                raise RuntimeError("the no-op was refused")
            audit.log("tool_call", "did:mesh:bench", "bench.noop", data={"i": i}, outcome="success",
                      policy_decision=decision.action)

        for i in range(min(200, n)):
            call(-1 - i)
        samples, cpu = [], []
        for i in range(n):
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            call(i)
            samples.append((time.perf_counter_ns() - start) / 1000)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    json.dump({"per_second": 1e6 / statistics.mean(samples), "p50_us": cuts[49], "p99_us": cuts[98],
               "cpu_p99_us": statistics.quantiles(cpu, n=100, method="inclusive")[98], "cpu_max_us": max(cpu),
               "version": _version()}, sys.stdout)
    return 0


def _version() -> str:
    from importlib import metadata

    return metadata.version("agent-governance-toolkit")


if __name__ == "__main__":
    raise SystemExit(main())
