"""``dealix users create|list|revoke`` and ``dealix serve``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from api_support import auth, fixed_clock
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from dealix.cli.main import app as cli
from dealix.settings import Settings


def test_users_create_prints_a_working_key_once(env: Settings) -> None:
    result = CliRunner().invoke(cli, ["users", "create", "--tenant", "acme", "--role", "sales_manager",
                                      "--user", "noura"])
    assert result.exit_code == 0, result.output
    key = re.search(r"dx_[0-9a-f]+_[A-Za-z0-9-]+", result.output)
    assert key and "shown once" in result.output
    with TestClient(create_app(env, clock=fixed_clock)) as client:
        assert client.get("/api/v1/approvals", headers=auth(key.group(0))).status_code == 200
    listed = CliRunner().invoke(cli, ["users", "list", "--json"])
    rows = json.loads(listed.output)
    assert [r["caller"] for r in rows] == [{"user_id": "noura", "tenant": "acme", "role": "sales_manager"}]
    assert key.group(0).split("_", 2)[2] not in listed.output  # the secret is never shown again


def test_users_revoke_stops_the_key(env: Settings) -> None:
    created = json.loads(CliRunner().invoke(cli, ["users", "create", "--tenant", "acme", "--role", "ceo",
                                                  "--json"]).output)
    assert created["user_id"] == "ceo-of-acme"
    assert CliRunner().invoke(cli, ["users", "revoke", created["key_id"]]).exit_code == 0
    assert CliRunner().invoke(cli, ["users", "revoke", created["key_id"]]).exit_code == 1
    with TestClient(create_app(env, clock=fixed_clock)) as client:
        assert client.get("/api/v1/approvals", headers=auth(created["key"])).status_code == 401


@pytest.mark.parametrize("args", [["--tenant", "Acme:1", "--role", "ceo"], ["--tenant", "acme", "--role", "king"]])
def test_users_create_refuses_bad_input(env: Settings, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["users", "create", *args])
    assert result.exit_code != 0 and "dx_" not in result.output


def test_serve_seeds_the_demo_prints_url_and_key_and_runs_uvicorn(env: Settings,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/console" in result.output and seen["port"] == 8123 and seen["host"] == "127.0.0.1"
    key = re.search(r"dx_[0-9a-f]+_[A-Za-z0-9-]+", result.output)
    assert key is not None
    with TestClient(seen["app"]) as client:
        assert client.get("/api/v1/approvals", headers=auth(key.group(0))).status_code == 200
        assert client.get("/").status_code == 200
    again = CliRunner().invoke(cli, ["serve", "--port", "8124"])  # a second start: the old demo key is revoked
    assert "sample leads" not in again.output
    with TestClient(seen["app"]) as client:
        assert client.get("/api/v1/approvals", headers=auth(key.group(0))).status_code == 401


def test_make_run_calls_dealix_serve() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "dealix serve" in run
