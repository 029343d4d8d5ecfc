"""`langgraph dev` on loopback, driven with `langgraph_sdk` the way Studio and agent-inbox drive it.

The server loads `langgraph.json` (the graphs of :mod:`dealix.studio`), brings its own in-memory
checkpointer, and every run carries nothing but JSON: input and ``context``. Approvals are answered
with agent-inbox's own reply (a list of one response) and land in Dealix's outbox, gateway and audit
log in ``DEALIX_DATA_DIR``.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dealix.settings import Settings
from skills.targeting.factory import build_service

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TENANT = "studio-co"
SECRET = "s" * 32
MANAGER = {"user_id": "sara@studio-co", "role": "sales_manager"}
LEADS = [
    "company_name,contact_name,title,phone,email,city,source,notes",
    "شركة النخبة,سارة القحطاني,المديرة التنفيذية,0501234567,sara@nokhba.example.sa,الرياض,crm,",
    "مكتب الأفق,ريم الشهري,مديرة التسويق,0505556666,reem@ofuq.example.sa,جدة,inbound,طلبوا عرضاً تجريبياً",
    "مؤسسة الرواد,فهد العتيبي,المدير العام,0507778888,fahad@rowad.example.sa,الدمام,website form,",
    "مؤسسة لينكد,Unknown,Head of Sales,0502223333,lead@scraped.example.sa,الرياض,LinkedIn scrape,",
]

_CLI = Path(sys.executable).with_name("langgraph")
if importlib.util.find_spec("langgraph_api") is None or not _CLI.exists():
    pytest.skip("langgraph-cli[inmem] is not installed (the dev extra brings it)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    root = tmp_path_factory.mktemp("studio")
    settings = Settings(data_dir=root / "data", secret_key=SECRET)
    leads = root / "leads.csv"
    leads.write_text("\n".join(LEADS) + "\n", encoding="utf-8")
    targeting = build_service(settings, tenant=TENANT)
    targeting.import_file(leads)
    targeting.repository.close()
    port = _free_port()
    env = {**os.environ, "DEALIX_DATA_DIR": str(settings.data_dir), "DEALIX_SECRET_KEY": SECRET,
           "LANGGRAPH_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false", "DEALIX_JOBS": "false"}
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [str(_CLI), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port),
         "--config", str(ROOT / "langgraph.json")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # langgraph.json's paths
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, root / "server.log")
        yield url, settings
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"langgraph dev exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"langgraph dev did not answer: {log.read_text(errors='replace')[-3000:]}")


def _client(url: str) -> Any:
    from langgraph_sdk import get_sync_client

    return get_sync_client(url=url, api_key=None)


def _outbox(settings: Settings) -> set[str]:
    return {p.name for p in settings.outbox_dir.glob("*") if p.is_file()}


def _interrupts(client: Any, thread_id: str) -> list[dict[str, Any]]:
    state = client.threads.get_state(thread_id)
    return list(state.get("interrupts") or [])


def _start_autopilot(client: Any, top_n: int = 1) -> tuple[str, list[dict[str, Any]]]:
    thread = client.threads.create()
    client.runs.wait(thread["thread_id"], "autopilot", input={"top_n": top_n},
                     context={"tenant": TENANT, "actor": MANAGER})
    return thread["thread_id"], _interrupts(client, thread["thread_id"])


def test_the_server_lists_every_graph_with_its_schemas(server: tuple[str, Settings]) -> None:
    client = _client(server[0])
    assistants = {a["graph_id"]: a for a in client.assistants.search(limit=50)}
    assert set(assistants) == {"autopilot", "daily_plan", "negotiation", "partners", "support", "operator"}
    for graph_id, assistant in assistants.items():
        schemas = client.assistants.get_schemas(assistant["assistant_id"])
        assert set(schemas["context_schema"]["properties"]) == {"tenant", "actor"}, graph_id
        assert schemas["state_schema"], graph_id


def test_agent_inbox_accept_resumes_the_autopilot_and_the_draft_is_in_the_outbox(server: tuple[str, Settings]
                                                                               ) -> None:
    url, settings = server
    client = _client(url)
    before = _outbox(settings)
    thread_id, waiting = _start_autopilot(client)
    assert len(waiting) == 1
    request = waiting[0]["value"][0]  # agent-inbox's convention: a list of one HumanInterrupt
    assert request["action_request"]["action"] == "gmail.draft" and request["config"]["allow_accept"]
    assert "scraped" not in request["action_request"]["args"]["to"]
    client.runs.wait(thread_id, "autopilot", command={"resume": [{"type": "accept", "args": None}]},
                     context={"tenant": TENANT, "actor": MANAGER})
    assert _interrupts(client, thread_id) == []
    assert len(_outbox(settings) - before) == 1


def test_agent_inbox_edit_writes_the_edited_draft(server: tuple[str, Settings]) -> None:
    url, settings = server
    client = _client(url)
    before = _outbox(settings)
    thread_id, waiting = _start_autopilot(client)
    request = waiting[0]["value"][0]
    edited = {**request["action_request"]["args"], "subject": "لقاء قصير الأسبوع القادم"}
    client.runs.wait(thread_id, "autopilot",
                     command={"resume": [{"type": "edit", "args": {"action": "gmail.draft", "args": edited}}]},
                     context={"tenant": TENANT, "actor": MANAGER})
    new = _outbox(settings) - before
    assert len(new) == 1
    from email import message_from_bytes, policy

    message = message_from_bytes((settings.outbox_dir / new.pop()).read_bytes(), policy=policy.default)
    assert message["Subject"] == "لقاء قصير الأسبوع القادم"


@pytest.mark.parametrize("answer", [{"type": "ignore", "args": None}, {"type": "response", "args": "ليس هذا الأسبوع"}])
def test_agent_inbox_ignore_or_a_response_rejects_and_writes_nothing(server: tuple[str, Settings],
                                                                     answer: dict[str, Any]) -> None:
    url, settings = server
    client = _client(url)
    before = _outbox(settings)
    thread_id, waiting = _start_autopilot(client)
    assert waiting
    client.runs.wait(thread_id, "autopilot", command={"resume": [answer]},
                     context={"tenant": TENANT, "actor": MANAGER})
    assert _interrupts(client, thread_id) == [] and _outbox(settings) == before
    outcomes = list(client.threads.get_state(thread_id)["values"]["outcomes"].values())
    assert [o["status"] for o in outcomes] == ["rejected"]
    if answer["type"] == "response":
        assert "ليس هذا الأسبوع" in outcomes[0]["reason_ar"]


@pytest.mark.parametrize(("graph_id", "payload"), [
    ("daily_plan", {"day": "2026-12-08"}),
    ("negotiation", {"text": "السعر مرتفع شوي مقارنة بالعروض اللي عندنا",
                     "deal": {"deal_id": "d-1", "company_name": "شركة النخبة", "channel": "email",
                              "email": "sara@nokhba.example.sa"}}),
    ("support", {"incoming": {"source": "email", "body": "ملف الإكسل طلع رموز غريبة بدل الأسماء العربية",
                              "customer_email": "reem@ofuq.example.sa"}}),
    ("partners", {"top": 3}),
    ("operator", {"messages": [{"role": "user", "content": "وش عندي أوافق عليه اليوم؟"}]}),
])
def test_every_other_graph_runs_to_its_first_interrupt_or_its_end(server: tuple[str, Settings], graph_id: str,
                                                                  payload: dict[str, Any]) -> None:
    client = _client(server[0])
    thread = client.threads.create()
    client.runs.wait(thread["thread_id"], graph_id, input=payload, context={"tenant": TENANT, "actor": MANAGER})
    state = client.threads.get_state(thread["thread_id"])
    assert not state["next"] or state["interrupts"], (graph_id, state["next"])
    for waiting in state["interrupts"]:
        assert waiting["value"][0]["action_request"]["action"]
    run = client.runs.list(thread["thread_id"])[0]
    assert run["status"] in {"success", "interrupted"}, run
