"""The CI scripts: route listing, in-process smoke, launch readiness (in process and over HTTP), staging smoke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI, Response
from scripts_support import ROOT, free_port, load_script, serving

from api.app import create_app
from dealix.settings import Settings


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path / "data", secret_key="k" * 32))


def test_print_routes_lists_the_served_routes_and_no_duplicates(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_script("print_routes").main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    paths = {r["path"] for r in data["routes"]}
    assert {"/api/v1/health", "/api/v1/ready", "/api/v1/approvals"} <= paths
    assert data["duplicates"] == []


def test_smoke_inprocess_passes_health_ready_and_every_demo_route(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_script("smoke_inprocess").main(["--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in results}
    assert {"health", "ready", "openapi"} <= names
    assert any(n.startswith("demo /api/v1/targeting/") for n in names)
    assert all(r["ok"] for r in results)


def test_launch_readiness_in_process_checks_probes_and_gates(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_script("launch_readiness_check").main(["--skip-repo-audit", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "in_process" and report["ready"] is True
    probes = {p["name"]: p for p in report["probes"]}
    assert probes["key required"]["status"] == 401 and probes["body size limit"]["status"] == 413
    assert {g["name"] for g in report["gates"]} == {"live flags off by default", "policy loads",
                                                    "audit chain verifies"}


def test_launch_readiness_and_staging_smoke_over_http(app: FastAPI, capsys: pytest.CaptureFixture[str]) -> None:
    with serving(app) as url:
        assert load_script("launch_readiness_check").main(["--base-url", url, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["mode"] == "http" and report["ready"] and report["base_url"] == url
        assert any(p["name"].startswith("demo ") for p in report["probes"])  # found through /openapi.json
        assert load_script("smoke_staging").main(["--base-url", url]) == 0
        assert "probes passed" in capsys.readouterr().out


def test_a_deployment_that_is_not_ready_fails_with_1() -> None:
    broken = FastAPI()

    @broken.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @broken.get("/api/v1/ready")
    def ready(response: Response) -> dict[str, bool]:
        response.status_code = 503
        return {"ready": False}

    with serving(broken) as url:
        assert load_script("smoke_staging").main(["--base-url", url]) == 1
        assert load_script("launch_readiness_check").main(["--base-url", url]) == 1


def test_an_unreachable_deployment_fails_with_2() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert load_script("smoke_staging").main(["--base-url", url, "--timeout", "2"]) == 2
    assert load_script("launch_readiness_check").main(["--base-url", url, "--timeout", "2"]) == 2


def test_the_repo_audit_script_exit_code_follows_its_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code = load_script("repo_architecture_audit").main(["--root", str(ROOT)])
    out = capsys.readouterr()
    report = json.loads(out.out)
    blocking = report["counts"]["critical"] + report["counts"]["high"]
    assert code == (1 if blocking else 0)
    assert "launch_readiness_score" in out.err  # the human summary goes to stderr


def test_the_repo_audit_script_refuses_a_tree_that_is_not_dealix(tmp_path: Path) -> None:
    assert load_script("repo_architecture_audit").main(["--root", str(tmp_path)]) == 2
