"""The API's routes: listed from the app itself, checked for duplicates and for routers never installed.

Routes come from ``api.app.create_app`` walked after it is built (a settings object pointing at
a throw-away data dir, so nothing real is touched). For a tree other than the installed one
(a copy, a fixture) the app is built in a subprocess with that tree first on ``PYTHONPATH``.
Whether each router module is installed is read from ``api/app.py``'s syntax.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from dealix.repo_audit.files import RepoFiles
from dealix.repo_audit.models import Architecture, Check, Finding, Rules

_DUMP = """
import json, sys, tempfile
from pathlib import Path
from dealix.settings import Settings
from api.app import create_app
from dealix.repo_audit.routes import app_routes
with tempfile.TemporaryDirectory() as tmp:
    app = create_app(Settings(data_dir=Path(tmp)))
    json.dump([r.model_dump() for r in app_routes(app)], sys.stdout)
"""


class RouteInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    methods: list[str]
    path: str
    name: str
    module: str


def app_routes(app: Any) -> list[RouteInfo]:
    """Every route of a FastAPI app as it is served (included routers expanded; mounts as ``MOUNT``)."""
    try:  # FastAPI >= 0.16x keeps included routers lazily; this walks them with their prefixes
        from fastapi.routing import iter_route_contexts
    except ImportError:
        contexts: Iterable[Any] = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    found = []
    for route in contexts:
        endpoint = getattr(route, "endpoint", None)
        module = getattr(endpoint, "__module__", "") or ""
        methods = sorted(getattr(route, "methods", None) or ["MOUNT"])
        found.append(RouteInfo(methods=methods, path=getattr(route, "path", ""), name=getattr(route, "name", "") or "",
                               module=module))
    return sorted(found, key=lambda r: (r.path, r.methods))


def installed_root() -> Path:
    """The tree this code runs from (``dealix/`` sits at its top)."""
    return Path(__file__).resolve().parents[2]


def build_routes(root: Path) -> tuple[list[RouteInfo] | None, str]:
    """The routes of the tree at ``root``; (None, why) when the app cannot be built."""
    if root.resolve() == installed_root():
        from api.app import create_app
        from dealix.settings import Settings

        try:
            with tempfile.TemporaryDirectory() as tmp:
                return app_routes(create_app(Settings(data_dir=Path(tmp)))), ""
        except Exception as exc:  # the audit reports any failure to build the app
            return None, f"{type(exc).__name__}: {exc}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    try:
        run = subprocess.run([sys.executable, "-c", _DUMP], cwd=root, env=env, capture_output=True,  # noqa: S603
                             text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)
    if run.returncode != 0:
        return None, (run.stderr.strip().splitlines() or ["the app did not build"])[-1]
    return [RouteInfo.model_validate(r) for r in json.loads(run.stdout)], ""


def duplicates(routes: Iterable[RouteInfo]) -> dict[tuple[str, str], list[RouteInfo]]:
    seen: dict[tuple[str, str], list[RouteInfo]] = defaultdict(list)
    for route in routes:
        for method in route.methods:
            if method not in ("HEAD", "MOUNT"):  # Starlette adds HEAD to every GET
                seen[(method, route.path)].append(route)
    return {key: found for key, found in seen.items() if len(found) > 1}


def check_routes(files: RepoFiles, spec: Architecture, rules: Rules,
                 routes: list[RouteInfo] | None, why: str) -> tuple[list[Check], list[Finding]]:
    findings: list[Finding] = []
    modules = _router_modules(files, spec.routers_dir)
    installed = _installed(files, spec.app_module)
    missing = sorted(m for m in modules if m not in installed)
    findings += [rules.finding("router_not_installed", check="routers_registered",
                               path=f"{spec.routers_dir}/{m}.py", detail=m) for m in missing]
    checks = [Check(name="routers_registered", group="backend", passed=len(modules) - len(missing),
                    total=len(modules), findings=len(missing))]
    if routes is None:
        findings.append(rules.finding("routes_unavailable", check="duplicate_routes", path=spec.app_module,
                                      detail=why))
        checks.append(Check(name="duplicate_routes", group="backend", passed=0, total=1, findings=1, note=why))
        return checks, findings
    dupes = duplicates(routes)
    for (method, path), found in sorted(dupes.items()):
        where = ", ".join(sorted({f"{r.module}.{r.name}" for r in found}))
        findings.append(rules.finding("duplicate_route", check="duplicate_routes", detail=f"{method} {path} ← {where}"))
    pairs = {(m, r.path) for r in routes for m in r.methods if m not in ("HEAD", "MOUNT")}
    checks.append(Check(name="duplicate_routes", group="backend", passed=len(pairs) - len(dupes),
                        total=len(pairs), findings=len(dupes), note=f"{len(routes)} routes"))
    return checks, findings


def _router_modules(files: RepoFiles, routers_dir: str) -> set[str]:
    found = set()
    for path in files.tracked:
        direct = path.startswith(routers_dir + "/") and path.count("/") == routers_dir.count("/") + 1
        if direct and path.endswith(".py"):
            tree = files.tree(path)
            if tree is not None and any(isinstance(n, ast.FunctionDef) and n.name == "install" for n in tree.body):
                found.add(Path(path).stem)
    return found


def _installed(files: RepoFiles, app_module: str) -> set[str]:
    """Router modules whose ``install(app)`` the app module calls."""
    tree = files.tree(app_module)
    if tree is None:
        return set()
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "api.routers":
            aliases.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("api.routers."):
            for a in node.names:
                if a.name == "install":
                    aliases[a.asname or a.name] = node.module.rsplit(".", 1)[1]
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "install" and isinstance(func.value, ast.Name) \
                    and func.value.id in aliases:
                called.add(aliases[func.value.id])
            elif isinstance(func, ast.Name) and func.id in aliases and aliases[func.id] != func.id:
                called.add(aliases[func.id])
    return called
