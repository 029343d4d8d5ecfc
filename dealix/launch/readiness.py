"""The launch readiness check: the HTTP probes, plus (in process) the gates only the code can answer.

    in process (default)  the app on a throw-away data dir through TestClient, plus the gates:
                          live flags off by default, the policy loads, the configured audit chain
                          verifies, the repo audit has no critical or high finding
    over HTTP (a URL)     the same probes against a running deployment (no body-size probe, which
                          depends on that deployment's limit)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict

from dealix.launch.probes import ProbeResult, demo_paths, demo_paths_from_openapi, readiness_probes, run


class Gate(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str = ""


class ReadinessReport(BaseModel):
    mode: Literal["in_process", "http"]
    base_url: str | None = None
    ready: bool
    reachable: bool
    probes: list[ProbeResult]
    gates: list[Gate]


def check_in_process(*, repo_root: Path | None = None) -> ReadinessReport:
    """``repo_root``: the tree to audit (None skips the repo audit gate)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from dealix.repo_audit.routes import app_routes
    from dealix.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        app = create_app(settings)
        demos = demo_paths(r.path for r in app_routes(app))
        with TestClient(app) as client:
            probes = run(client, readiness_probes(demos, max_body_bytes=settings.api_max_body_bytes))
    gates = [_live_flags_off(), _policy_loads(), _audit_chain()]
    if repo_root is not None:
        gates.append(_repo_audit(repo_root))
    return ReadinessReport(mode="in_process", ready=all(p.ok for p in probes) and all(g.ok for g in gates),
                           reachable=True, probes=probes, gates=gates)


def check_over_http(base_url: str, *, timeout: float = 10.0) -> ReadinessReport:
    with httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False) as client:
        demos = remote_demo_paths(client)
        probes = run(client, readiness_probes(demos))
    reachable = any(p.status is not None for p in probes)
    return ReadinessReport(mode="http", base_url=base_url, ready=reachable and all(p.ok for p in probes),
                           reachable=reachable, probes=probes, gates=[])


def remote_demo_paths(client: httpx.Client) -> list[str]:
    try:
        response = client.get("/openapi.json")
        return demo_paths_from_openapi(response.json()) if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return []


def _live_flags_off() -> Gate:
    from dealix.settings import Settings

    on = [name for name, field in Settings.model_fields.items() if name.startswith("live_") and field.default]
    return Gate(name="live flags off by default", ok=not on, detail=", ".join(on))


def _policy_loads() -> Gate:
    from tools.errors import PolicyError
    from tools.policy import load_policy

    try:
        policy = load_policy(None)
    except PolicyError as exc:
        return Gate(name="policy loads", ok=False, detail=exc.message_en)
    return Gate(name="policy loads", ok=True, detail=f"version {policy.version}")


def _audit_chain() -> Gate:
    from dealix.settings import get_settings
    from tools.audit import verify_chain
    from tools.store import Store, store_exists

    settings = get_settings()
    if not store_exists(settings.sqlite_path):
        return Gate(name="audit chain verifies", ok=True, detail=f"no store yet at {settings.sqlite_path}")
    store = Store(settings.sqlite_path)
    try:
        with store.read() as conn:
            report = verify_chain(conn, key=settings.signing_key())
    finally:
        store.close()
    return Gate(name="audit chain verifies", ok=report.ok,
                detail=f"{report.events_checked} events" + (f"; {report.problem}" if report.problem else ""))


def _repo_audit(root: Path) -> Gate:
    from dealix.repo_audit import audit_repo

    report = audit_repo(root)
    blocking = report.counts.get("critical", 0) + report.counts.get("high", 0)
    return Gate(name="repo audit: no critical or high finding", ok=blocking == 0,
                detail=f"launch_readiness_score {report.scores.launch_readiness_score}, "
                       f"critical {report.counts.get('critical', 0)}, high {report.counts.get('high', 0)}")


def render(report: ReadinessReport) -> str:
    from dealix.launch.probes import render as render_probes

    lines = [f"launch readiness ({report.mode}{' ' + report.base_url if report.base_url else ''})",
             render_probes(report.probes)]
    lines += [f"{'✓' if g.ok else '✗'} {g.name}" + (f"  ({g.detail})" if g.detail else "") for g in report.gates]
    lines.append("READY" if report.ready else ("UNREACHABLE" if not report.reachable else "NOT READY"))
    return "\n".join(lines)
