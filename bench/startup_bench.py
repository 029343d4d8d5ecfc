"""CLI start-up: ``dealix --help`` and ``dealix policy check gmail.send --json``, this tree beside a baseline.

Each command is run as a whole process, this tree (A) and the baseline (B, a git ref exported to a
temp dir) in turn - A B A B ... - so both see the same machine; the figures are the median wall
and CPU seconds of the runs (CPU: user + system of the finished child, from ``os.wait4``).

    .venv/bin/python -m bench.startup_bench [--runs 15] [--baseline-ref e281671]

Results go to ``bench/results/startup.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "startup.md"
COMMANDS = {"dealix --help": ["--help"], "dealix policy check gmail.send --json": ["policy", "check", "gmail.send",
                                                                                   "--json"]}


def _export(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _once(tree: Path, args: list[str], data_dir: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "DEALIX_DATA_DIR": str(data_dir)}
    env.pop("DEALIX_DATABASE_URL", None)
    # -P: the current directory does not shadow PYTHONPATH, so each run imports its own tree.
    command = [sys.executable, "-P", "-c", "from dealix.cli.main import app; app()", *args]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {process.returncode} in {tree}")
    return wall, usage.ru_utime + usage.ru_stime


def run(runs: int, baseline: Path) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        for name, args in COMMANDS.items():
            samples: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
            _once(ROOT, args, data), _once(baseline, args, data)  # warm-up: .pyc files, the data dir
            for _ in range(runs):
                samples["A"].append(_once(ROOT, args, data))
                samples["B"].append(_once(baseline, args, data))
            for side, label in (("A", "this tree"), ("B", "baseline")):
                walls, cpus = zip(*samples[side], strict=True)
                results[f"{name} | {label}"] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                                                "min": min(walls), "max": max(walls)}
    return results


def write_report(results: dict[str, dict[str, float]], runs: int, ref: str) -> str:
    lines = [
        "# CLI start-up",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average at the start {os.getloadavg()[0]:.1f}.",
        f"Command: `.venv/bin/python -m bench.startup_bench --runs {runs} --baseline-ref {ref}`: each command as a",
        "whole process, this tree and the baseline in turn; medians of the runs (wall and CPU = user + system).",
        "",
        "| command | tree | wall median (s) | cpu median (s) | wall min-max (s) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for key, row in results.items():
        command, tree = key.split(" | ")
        lines.append(f"| `{command}` | {tree} | {row['wall']:.3f} | {row['cpu']:.3f} | "
                     f"{row['min']:.3f}-{row['max']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline-ref", default="e281671", help="the git ref measured beside this tree")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = run(args.runs, _export(args.baseline_ref, Path(tmp)))
    report = write_report(results, args.runs, args.baseline_ref)
    sys.stdout.write(report)
    if not args.no_write:
        RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
