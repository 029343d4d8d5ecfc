"""Benchmark: the offline autopilot for 20 leads, from the leads file to pending approvals.

Run: ``.venv/bin/python -m bench.autopilot_bench [--runs N] [--leads N]``. Each run uses a fresh data
dir (a new SQLite gateway database and checkpoint file) and times ``start_autopilot``: import,
rank, 20 guarded drafts, 20 gateway decisions and 20 interrupts, checkpointed. Process start-up
and Python imports are reported apart. Writes ``bench/results/autopilot.md``.
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()
from dealix.settings import Settings  # noqa: E402
from dealix.wiring import autopilot_context  # noqa: E402
from graphs.checkpoint import open_checkpointer  # noqa: E402
from graphs.runtime import start_autopilot  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0
RESULTS = Path(__file__).with_name("results") / "autopilot.md"
_HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes"]


def write_leads(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_HEADERS)
        for i in range(n):
            email = "" if i % 4 == 3 else f"contact{i}@company{i}.sa"
            writer.writerow([f"شركة المثال {i + 1}", f"عميل رقم {i + 1}", "مدير المبيعات",
                             f"05{(50000000 + i * 7919) % 100000000:08d}", email, "الرياض", "التسويق", "referral", ""])
    return path


def run_once(n: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        leads = write_leads(root / "leads.csv", n)
        settings = Settings(data_dir=root / "data", secret_key="bench-" + "k" * 26)
        started = time.perf_counter()
        ctx = autopilot_context(settings, "bench")
        with open_checkpointer(settings) as checkpointer:
            built = time.perf_counter()
            result = start_autopilot(ctx, checkpointer, leads, n)
        done = time.perf_counter()
        return done - started, done - built, len(result.pending)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--leads", type=int, default=20)
    options = parser.parse_args()
    runs = [run_once(options.leads) for _ in range(options.runs)]
    totals = [r[0] for r in runs]
    graph_only = [r[1] for r in runs]
    pending = {r[2] for r in runs}
    assert pending == {options.leads}, f"expected {options.leads} pending approvals, got {pending}"
    lines = [
        "# Autopilot benchmark (offline model)",
        "",
        f"{options.leads} leads, leads file to {options.leads} pending approvals; "
        f"{options.runs} runs, fresh data dir each.",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}.",
        "",
        "| measure | seconds |",
        "| --- | --- |",
        f"| Python imports (once per process) | {IMPORT_SECONDS:.3f} |",
        f"| first run, context + graph (cold) | {totals[0]:.3f} |",
        f"| median run, context + graph | {statistics.median(totals):.3f} |",
        f"| median run, graph only (import, rank, drafts, gateway, interrupts) | {statistics.median(graph_only):.3f} |",
        f"| worst run, context + graph | {max(totals):.3f} |",
        "",
        f"Target: under 2 s for import to pending approvals. Result: {'met' if max(totals) < 2 else 'NOT met'}.",
        "",
        "Reproduce: `.venv/bin/python -m bench.autopilot_bench`",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
