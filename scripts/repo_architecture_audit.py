#!/usr/bin/env python3
"""Audit the repository against its architecture (same as ``dealix audit-repo``), for CI.

    .venv/bin/python scripts/repo_architecture_audit.py [--root DIR] [--min-score N] [--summary-only]

Prints the JSON report on stdout and the human summary on stderr. Exit 0 when there is no
critical or high finding (and the launch readiness score is at least --min-score), 1 otherwise,
2 when the root is not a Dealix tree. Score formulas: dealix/repo_audit/scores.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dealix.cli.audit_repo import exit_code
from dealix.repo_audit import audit_repo, render_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--min-score", type=float, default=None)
    parser.add_argument("--summary-only", action="store_true", help="Print only the human summary (stdout).")
    args = parser.parse_args(argv)
    if not (args.root / "pyproject.toml").is_file():
        sys.stderr.write(f"not a Dealix tree: {args.root}\n")
        return 2
    report = audit_repo(args.root.resolve())
    if args.summary_only:
        sys.stdout.write(render_text(report) + "\n")
    else:
        sys.stderr.write(render_text(report) + "\n")
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
    return exit_code(report, args.min_score)


if __name__ == "__main__":
    sys.exit(main())
