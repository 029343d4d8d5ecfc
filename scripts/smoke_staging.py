#!/usr/bin/env python3
"""Smoke-test a running deployment over HTTP: health, readiness, OpenAPI and its demo routes.

    .venv/bin/python scripts/smoke_staging.py --base-url https://staging.example.sa [--json] [--timeout S]

Demo routes are read from the deployment's /openapi.json. Exit 0 when every probe passes, 1 when
one fails, 2 when the deployment cannot be reached at all.
"""

from __future__ import annotations

import argparse
import json
import sys

import httpx

from dealix.launch.probes import render, run, smoke_probes
from dealix.launch.readiness import remote_demo_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.base_url, timeout=args.timeout) as client:
        results = run(client, smoke_probes(remote_demo_paths(client)))
    if args.json:
        sys.stdout.write(json.dumps([r.model_dump() for r in results], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(results) + "\n")
    if all(r.status is None for r in results):
        return 2
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
