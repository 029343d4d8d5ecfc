#!/usr/bin/env python3
"""Print every route of the API app as it is served (method, path, endpoint), for CI and reviews.

    .venv/bin/python scripts/print_routes.py [--json]

The app is built by ``api.app.create_app`` on a throw-away data dir. Exit 0; 1 when two routes
answer the same method and path (the second would never run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from api.app import create_app
from dealix.repo_audit.routes import app_routes, duplicates
from dealix.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        routes = app_routes(create_app(Settings(data_dir=Path(tmp))))
    dupes = duplicates(routes)
    if args.json:
        sys.stdout.write(json.dumps({"routes": [r.model_dump() for r in routes],
                                     "duplicates": [f"{m} {p}" for m, p in sorted(dupes)]}, indent=2) + "\n")
    else:
        for route in routes:
            methods = ",".join(m for m in route.methods if m != "HEAD")
            sys.stdout.write(f"{methods:<8} {route.path:<60} {route.module}.{route.name}\n")
        sys.stdout.write(f"{len(routes)} routes, {len(dupes)} duplicate method+path pairs\n")
        for method, path in sorted(dupes):
            sys.stdout.write(f"DUPLICATE {method} {path}\n")
    return 1 if dupes else 0


if __name__ == "__main__":
    sys.exit(main())
