"""Kill the process while approvals are pending: new processes list and resolve them (via the CLI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from runtime_support import lead_rows, write_leads

CLI = Path(sys.executable).with_name("dealix")  # the installed entry point, as an operator runs it
ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEALIX_", "LANGFUSE_"))}
    env.update(DEALIX_DATA_DIR=str(data_dir), DEALIX_SECRET_KEY="k" * 32)
    return env


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60,
                          env=_env(data_dir), cwd=ROOT)


def test_pending_approvals_survive_a_killed_process(tmp_path):
    data_dir = tmp_path / "data"
    leads = write_leads(tmp_path / "leads.csv", lead_rows(3, whatsapp_every=10))
    starter = (
        "import sys, time\n"
        "from dealix.settings import get_settings\n"
        "from dealix.wiring import autopilot_context\n"
        "from graphs.checkpoint import open_checkpointer\n"
        "from graphs.runtime import build_context, start_autopilot\n"
        "s = get_settings()\n"
        "cm = open_checkpointer(s)\n"
        "cp = cm.__enter__()\n"
        f"r = start_autopilot(autopilot_context(s, 'acme'), cp, {str(leads)!r}, 3)\n"
        "print(r.thread_id, len(r.pending), flush=True)\n"
        "time.sleep(120)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True,
                               env=_env(data_dir), cwd=ROOT)
    assert process.stdout is not None
    thread_id, count = process.stdout.readline().split()
    os.kill(process.pid, signal.SIGKILL)  # pending approvals, process gone
    process.wait(timeout=10)
    assert count == "3"

    listed = _cli(data_dir, "approvals", "list", "--json", "--tenant", "acme")
    assert listed.returncode == 0, listed.stderr
    pending = json.loads(listed.stdout)
    assert len(pending) == 3 and {p["thread_id"] for p in pending} == {thread_id}
    assert all(p["action"] == "gmail.draft" and p["description"] and p["args"]["body"] for p in pending)

    first = pending[0]["approval_id"]
    approved = _cli(data_dir, "approvals", "decide", first, "approve", "--as", "sales_manager", "--tenant", "acme",
                    "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["outcome"] == "executed"

    again = _cli(data_dir, "approvals", "decide", first, "approve", "--as", "sales_manager", "--tenant", "acme",
                 "--json")
    assert again.returncode == 1 and "سبق اتخاذ قرار" in again.stderr and "[already_decided]" in again.stderr

    blocked = _cli(data_dir, "approvals", "decide", pending[1]["approval_id"], "edit", "--action", "gmail.send",
                   "--as", "sales_manager", "--tenant", "acme", "--json")
    assert json.loads(blocked.stdout)["outcome"] == "blocked"

    rejected = _cli(data_dir, "approvals", "decide", pending[2]["approval_id"], "reject", "--reason", "ليس الآن",
                    "--as", "ceo", "--tenant", "acme", "--json")
    assert json.loads(rejected.stdout)["outcome"] == "rejected"

    assert json.loads(_cli(data_dir, "approvals", "list", "--json", "--tenant", "acme").stdout) == []
    assert len(list((data_dir / "outbox").glob("*.eml"))) == 1


def test_autopilot_command_prints_the_thread_and_its_pending_approvals(tmp_path):
    leads = write_leads(tmp_path / "leads.csv", lead_rows(2))
    out = _cli(tmp_path / "data", "autopilot", "--leads", str(leads), "--top", "2", "--json", "--tenant", "acme")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["thread_id"].startswith("acme:")
    assert all({"approval_id", "action", "args", "description"} <= set(p) for p in result["pending"])
    assert len(result["pending"]) == 2


def test_the_demo_walkthrough_shows_targets_drafts_approvals_and_blocked_reasons(tmp_path):
    out = _cli(tmp_path / "data", "demo")
    assert out.returncode == 0, out.stderr
    for text in ("ranked targets", "pending approvals", "linkedin.scrape", "لينكدإن", "whatsapp.send", "واتساب"):
        assert text in out.stdout, text
