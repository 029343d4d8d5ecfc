"""``dealix`` starts without importing what the command does not use (issue 19: 3.1 s before, all imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.core import TyperCommand
from typer.testing import CliRunner

from dealix.cli.main import COMMANDS, app, load_command

ROOT = Path(__file__).resolve().parents[1]
# Each costs 0.3-0.8 s of start-up and none is needed to print help or ask the policy one question.
HEAVY = ("scipy", "numpy", "langsmith", "langgraph", "langchain_core", "pydantic_ai", "openai", "qdrant_client",
         "httpx", "icalendar", "psycopg", "fastapi", "uvicorn")

_PROBE = """
import json, sys
sys.argv = ["dealix", *json.loads(sys.argv[1])]
from dealix.cli.main import app
try:
    app()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in json.loads(%r))))
"""


def _modules_loaded_by(args: list[str], tmp_path: Path) -> tuple[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEALIX_DATA_DIR": str(tmp_path / "data")}
    env.pop("DEALIX_DATABASE_URL", None)
    ran = subprocess.run([sys.executable, "-P", "-c", _PROBE % json.dumps(HEAVY), json.dumps(args)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    marker = ran.stderr.rindex("MODULES ")
    return ran.stdout, json.loads(ran.stderr[marker + len("MODULES "):])


def test_help_lists_every_command_and_imports_none_of_them(tmp_path: Path) -> None:
    out, heavy = _modules_loaded_by(["--help"], tmp_path)
    assert heavy == []
    for name in COMMANDS:
        assert name in out


def test_policy_check_imports_only_the_gateway_side(tmp_path: Path) -> None:
    out, heavy = _modules_loaded_by(["policy", "check", "gmail.send", "--json"], tmp_path)
    assert json.loads(out)["mode"] == "blocked"
    assert heavy == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_help_is_the_commands_own(name: str) -> None:
    listed = TyperCommand(name, help=COMMANDS[name].help).get_short_help_str(limit=500)
    assert load_command(name).get_short_help_str(limit=500) == listed


def test_every_command_of_the_cli_is_still_there() -> None:
    assert set(COMMANDS) >= {
        "integrations", "skills", "demo", "autopilot", "serve", "negotiate", "eval", "audit-repo", "policy",
        "audit", "approvals", "targeting", "cards", "growth", "users", "proof", "evidence", "partners", "support",
        "privacy", "governance", "dlq"}


def test_a_subcommand_runs_and_a_typo_gets_a_suggestion() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["policy", "--help"])
    assert shown.exit_code == 0 and "matrix" in shown.output and "--install-completion" not in shown.output
    typo = runner.invoke(app, ["polcy"])
    assert typo.exit_code == 2 and "policy" in typo.output
