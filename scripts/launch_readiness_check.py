#!/usr/bin/env python3
"""Launch readiness: probes and gates that must pass before a launch, in process or against a URL.

    .venv/bin/python scripts/launch_readiness_check.py [--base-url URL] [--skip-repo-audit] [--json]

In process (default): the app on a throw-away data dir through TestClient (health, readiness,
OpenAPI, demo routes, key required with problem+json, forged key refused, security headers,
unknown path, body size limit), plus the gates: live flags off by default, the policy loads,
the configured audit chain verifies, the repo audit has no critical or high finding.
With --base-url: the same probes over HTTP (httpx) against that deployment, without the body
size probe and the code gates. Exit 0 ready, 1 not ready, 2 unreachable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dealix.launch.readiness import check_in_process, check_over_http, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--skip-repo-audit", action="store_true")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.base_url:
        report = check_over_http(args.base_url, timeout=args.timeout)
    else:
        root = None if args.skip_repo_audit else Path(__file__).resolve().parents[1]
        report = check_in_process(repo_root=root)
    sys.stdout.write((report.model_dump_json(indent=2) if args.json else render(report)) + "\n")
    if not report.reachable:
        return 2
    return 0 if report.ready else 1


if __name__ == "__main__":
    sys.exit(main())
