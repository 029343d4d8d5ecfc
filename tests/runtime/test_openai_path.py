"""The OpenAI-compatible path end to end, against a fake chat-completions server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic_ai import models
from runtime_support import TENANT

from dealix.settings import Settings
from dealix.wiring import autopilot_context
from graphs.checkpoint import open_checkpointer
from graphs.runtime import start_autopilot

GOOD = "السلام عليكم، نود التعرف على أولويات فريقكم ونرى إن كان بإمكاننا المساعدة. هل يناسبكم اتصال قصير؟"
BAD = "السلام عليكم، نضمن لكم مضاعفة المبيعات مع خصم 30% إذا وقعتم اليوم."


class FakeOpenAI:
    """Answers every chat completion with a call to the agent's output tool; records each request.

    With ``failures=N`` the first N requests get HTTP ``status`` instead (recorded in ``failed``)."""

    def __init__(self, bodies: list[str], *, failures: int = 0, status: int = 500) -> None:
        self.bodies = bodies
        self.requests: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if len(fake.failed) < failures:
                    fake.failed.append(payload)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                fake.requests.append(payload)
                body = fake.bodies[min(len(fake.requests), len(fake.bodies)) - 1]
                tool = payload["tools"][0]["function"]["name"]
                answer = {
                    "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion", "created": 0,
                    "model": payload["model"],
                    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                        "role": "assistant", "content": None, "tool_calls": [{
                            "id": f"call_{len(fake.requests)}", "type": "function",
                            "function": {"name": tool, "arguments": json.dumps(
                                {"subject": "فكرة قصيرة لفريقكم", "body": body}, ensure_ascii=False)}}]}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
                raw = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_loopback_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    yield


def _settings(tmp_path, url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32, model="openai:fake-model",
                    openai_base_url=url, openai_api_key="sk-loopback-only")


def test_the_openai_path_makes_one_model_call_per_draft(tmp_path, leads_file, allow_loopback_model):
    with FakeOpenAI([GOOD]) as fake:
        settings = _settings(tmp_path, fake.url)
        with open_checkpointer(settings) as checkpointer:
            result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=3)

    assert len(result.pending) == 3
    assert len(fake.requests) == 3
    assert all(r["model"] == "fake-model" for r in fake.requests)
    assert all(a.action_request.args["body"] == GOOD for a in result.pending)
    assert all("<lead_facts>" in json.dumps(r["messages"], ensure_ascii=False) for r in fake.requests)


def test_a_model_answer_that_fails_the_guard_is_retried_once_then_used(tmp_path, leads_file, allow_loopback_model):
    with FakeOpenAI([BAD, GOOD]) as fake:
        settings = _settings(tmp_path, fake.url)
        with open_checkpointer(settings) as checkpointer:
            result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=1)

    assert len(fake.requests) == 2
    retry = json.dumps(fake.requests[1]["messages"], ensure_ascii=False)
    assert "guarantee_claim" in retry and "discount_first" in retry
    assert result.pending[0].action_request.args["body"] == GOOD


def test_a_model_that_keeps_failing_sends_the_draft_to_review(tmp_path, leads_file, allow_loopback_model):
    with FakeOpenAI([BAD]) as fake:
        settings = _settings(tmp_path, fake.url)
        with open_checkpointer(settings) as checkpointer:
            result = start_autopilot(autopilot_context(settings, TENANT), checkpointer, leads_file, top_n=1)

    assert len(fake.requests) == 3
    assert result.pending == []
    assert [o.status for o in result.outcomes] == ["needs_review"]
