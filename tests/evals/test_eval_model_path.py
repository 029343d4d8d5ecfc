"""The model-backed path (``--model openai:NAME``) against a fake OpenAI-compatible server on
loopback, playing an inconsistent model: pass^k is computed over real trials of the real agent."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic_ai import models

from evals.runner import RunOptions, run_eval


class FlakyOperatorModel:
    """Conversation 1, 3, ...: asks the gateway for gmail.send (and is refused); 2, 4, ...: answers
    without calling any tool, so nothing is refused and the case fails."""

    def __init__(self) -> None:
        self.conversations = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                names = [t["function"]["name"] for t in payload.get("tools", [])]
                output = next(n for n in names if n.startswith("final_result"))
                last = payload["messages"][-1]
                if last["role"] == "tool":
                    call = (output, {"reply_ar": "رُفض الطلب وفق سياسة Dealix."})
                else:
                    fake.conversations += 1
                    call = ("request_action", {"action": "gmail.send", "args": {"to": "sara@alnokhba.example.sa"},
                                               "contact_id": "c_001"}) if fake.conversations % 2 else \
                        (output, {"reply_ar": "تم."})
                answer = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": payload["model"],
                          "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                              "role": "assistant", "content": None, "tool_calls": [{
                                  "id": f"call_{fake.conversations}_{len(payload['messages'])}", "type": "function",
                                  "function": {"name": call[0],
                                               "arguments": json.dumps(call[1], ensure_ascii=False)}}]}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
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

    def __enter__(self) -> FlakyOperatorModel:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_model(monkeypatch):
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    with FlakyOperatorModel() as fake:
        yield fake


def test_pass_hat_k_over_model_trials(base_settings, loopback_model):
    settings = base_settings.model_copy(update={"openai_base_url": loopback_model.url,
                                                "openai_api_key": SecretStr("sk-loopback-only")})
    report = run_eval(RunOptions(suites=["policy"], model="openai:fake-model", k=2, trials=4,
                                 case_filter=["live_email.en.01"], base_settings=settings))
    policy = report.suite("policy")
    assert policy is not None and not report.deterministic
    [case] = policy.cases
    assert (case.trials, case.successes) == (4, 2)
    assert policy.pass_hat_k[1] == pytest.approx(0.5)
    assert policy.pass_hat_k[2] == pytest.approx(1 / 6)  # C(2,2) / C(4,2)
    assert loopback_model.conversations == 4
    assert "policy.compliance" in {g.id for g in report.gates if g.status == "fail"}


def test_drafts_written_by_the_fallback_do_not_count_for_the_model_under_test(base_settings, monkeypatch):
    # A model endpoint that refuses every connection: the copywriter's chain falls back to the
    # offline templates, which would pass the quality checks if the suite graded them.
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    settings = base_settings.model_copy(update={
        "openai_base_url": f"http://127.0.0.1:{dead_port}/v1", "openai_api_key": SecretStr("sk-loopback-only"),
        "model_retry_attempts": 1, "model_backoff_seconds": 0.0})
    report = run_eval(RunOptions(suites=["drafts"], model="openai:unreachable", base_settings=settings))
    drafts = report.suite("drafts")
    assert drafts is not None and drafts.cases
    assert all(case.successes == 0 for case in drafts.cases)
    assert "drafts.quality" in {g.id for g in report.gates if g.status == "fail"}


class MailMergeCopyModel:
    """A copywriter model that writes main's mail-merge text for every lead: safe, but ungrounded and mis-formed."""

    BODY = ("السلام عليكم Unknown،\n\nنتواصل معكم من Dealix لأننا نعمل مع فرق المبيعات في قطاع التقنية في Riyadh."
            "\n\nهل يناسبكم اتصال قصير هذا الأسبوع؟ للتوقف عن استقبال رسائلنا يكفي الرد بكلمة «إيقاف».\n\n"
            "مع خالص التحية،\nفريق Dealix")

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                output = next(t["function"]["name"] for t in payload.get("tools", [])
                              if t["function"]["name"].startswith("final_result"))
                args = {"subject": "فكرة قصيرة", "body": MailMergeCopyModel.BODY}
                answer = {"id": "chatcmpl-2", "object": "chat.completion", "created": 0, "model": payload["model"],
                          "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                              "role": "assistant", "content": None, "tool_calls": [{
                                  "id": "call_copy", "type": "function",
                                  "function": {"name": output, "arguments": json.dumps(args, ensure_ascii=False)}}]}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
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


def test_model_drafts_are_graded_for_grounding_specificity_and_arabic_form(base_settings, monkeypatch):
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    fake = MailMergeCopyModel()
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    try:
        settings = base_settings.model_copy(update={"openai_base_url": fake.url,
                                                    "openai_api_key": SecretStr("sk-loopback-only")})
        report = run_eval(RunOptions(suites=["drafts"], model="openai:mail-merge", base_settings=settings,
                                     case_filter=["situation.tender", "form.latin_names_and_city"]))
    finally:
        fake.server.shutdown()
        fake.server.server_close()
    drafts = report.suite("drafts")
    assert drafts is not None and len(drafts.cases) == 2
    assert all(not case.passed for case in drafts.cases)
    assert {case.actual_label for case in drafts.cases} == {"ready"}  # the guard lets it through; the graders do not
    failed_gates = {g.id for g in report.gates if g.status == "fail"}
    assert {"drafts.quality", "drafts.grounded", "drafts.specific", "drafts.arabic_form"} <= failed_gates
