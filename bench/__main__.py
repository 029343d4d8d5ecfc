"""``python -m bench`` (``make bench``): run every benchmark and rewrite bench/results/*.md."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("bench.gateway_bench", "bench.targeting_bench", "bench.autopilot_bench")


def main() -> int:
    failed = 0
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that benchmark's subsystem is not in this checkout
        sys.stdout.write(f"\n=== {name}\n")
        failed |= int(module.main([]) or 0)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
