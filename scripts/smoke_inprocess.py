#!/usr/bin/env python3
"""Smoke-test the API in process: health, readiness, OpenAPI and every demo route, through TestClient.

    .venv/bin/python scripts/smoke_inprocess.py [--json]

No server, no network, a throw-away data dir. Exit 0 when every probe passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from dealix.launch.probes import demo_paths, render, run, smoke_probes
from dealix.repo_audit.routes import app_routes
from dealix.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp)))
        with TestClient(app) as client:
            results = run(client, smoke_probes(demo_paths(r.path for r in app_routes(app))))
    if args.json:
        sys.stdout.write(json.dumps([r.model_dump() for r in results], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(results) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
