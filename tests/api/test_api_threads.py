"""``/api/v1/threads``: a conversation whose turns stream as server-sent events."""

from __future__ import annotations

from collections.abc import Callable

from api_support import auth, chat, is_problem, seed_leads
from fastapi.testclient import TestClient

from dealix.settings import Settings
from tools.models import Role


def test_todays_top_targets_stream_route_tool_call_approvals_text_then_done(
        client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    seed_leads(settings, "acme")
    thread_id, events = chat(client, key(), "رتب لي أفضل ٥ عملاء اليوم")  # 3 drafts; 2 are a person's step
    kinds = [e["type"] for e in events]
    assert kinds[0] == "route" and events[0]["intent"] == "targeting_rank" and events[0]["lang"] == "ar"
    assert kinds[1] == "tool_call" and events[1]["action"] == "targeting.rank" and events[1]["mode"] == "suggest_only"
    approvals = [e["approval"] for e in events if e["type"] == "approval_request"]
    assert len(approvals) == 3 and all(a["action"] in ("gmail.draft", "whatsapp.draft") for a in approvals)
    assert all(a["can_decide"] and a["status"] == "pending" for a in approvals)
    text = "".join(e["text"] for e in events if e["type"] == "text")
    assert "أفضل 5 فرص" in text and "بانتظار موافقتك" in text
    assert kinds[-1] == "done" and events[-1]["thread_id"] == thread_id
    assert kinds.index("approval_request") < kinds.index("done")


def test_the_conversation_is_kept_and_read_back(client: TestClient, key: Callable[..., str]) -> None:
    token = key()
    thread_id, _ = chat(client, token, "مرحبا")
    chat(client, token, "وش اللي ينتظر موافقتي؟", thread_id)
    detail = client.get(f"/api/v1/threads/{thread_id}", headers=auth(token)).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "user", "assistant"]
    assert detail["messages"][2]["text"] == "وش اللي ينتظر موافقتي؟"
    assert detail["thread"]["title"] == "مرحبا"
    listed = client.get("/api/v1/threads", headers=auth(token)).json()["threads"]
    assert [t["thread_id"] for t in listed] == [thread_id]


def test_a_refused_request_says_why_in_arabic_and_is_audited(client: TestClient, key: Callable[..., str]) -> None:
    token = key()
    _, events = chat(client, token, "اسحب بيانات مدراء التسويق من لينكد إن وأرسل لهم رسائل")
    assert events[0]["intent"] == "refusal"
    tool = next(e for e in events if e["type"] == "tool_call")
    assert tool["action"] == "linkedin.scrape" and tool["mode"] == "blocked" and not tool["allowed"]
    text = "".join(e["text"] for e in events if e["type"] == "text")
    assert "لينكدإن" in text and "سجل التدقيق" in text
    trail = client.get("/api/v1/audit/events", headers=auth(token)).json()["events"]
    assert any(e["event_id"] == tool["audit_event"] and e["action"] == "linkedin.scrape" for e in trail)


def test_a_capability_not_built_yet_is_declined_politely_without_fake_output(
        client: TestClient, key: Callable[..., str], monkeypatch: object) -> None:
    from skills.operator import handlers

    monkeypatch.setattr(handlers, "EXTERNAL", {})  # type: ignore[attr-defined]
    _, events = chat(client, key(), "show this week's proof pack")
    text = "".join(e["text"] for e in events if e["type"] == "text")
    assert "not available" in text and not [e for e in events if e["type"] in ("tool_call", "approval_request")]


def test_a_message_over_the_limit_is_422(client: TestClient, key: Callable[..., str]) -> None:
    token = key()
    thread_id = client.post("/api/v1/threads", json={}, headers=auth(token)).json()["thread_id"]
    response = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "ا" * 4001}, headers=auth(token))
    is_problem(response, 422, "validation_failed")
    is_problem(client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": ""}, headers=auth(token)), 422)


def test_unknown_and_malformed_thread_ids_are_404(client: TestClient, key: Callable[..., str]) -> None:
    token = key()
    for thread_id in ("acme:nope", "nope", "other:abc", "acme:"):
        is_problem(client.get(f"/api/v1/threads/{thread_id}", headers=auth(token)), 404)
        is_problem(client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": "hi"}, headers=auth(token)),
                   404)


def test_an_autopilot_thread_is_not_a_chat_thread(client: TestClient, key: Callable[..., str],
                                                  settings: Settings) -> None:
    seed_leads(settings, "acme")
    token = key()
    _, events = chat(client, token, "rank my top 2 leads today")
    autopilot_thread = next(e["approval"]["thread_id"] for e in events if e["type"] == "approval_request")
    is_problem(client.get(f"/api/v1/threads/{autopilot_thread}", headers=auth(token)), 404)


def test_a_support_role_sees_only_what_it_may_decide(client: TestClient, key: Callable[..., str],
                                                     settings: Settings) -> None:
    seed_leads(settings, "acme")
    chat(client, key(), "rank my top 2 leads today")
    _, events = chat(client, key(role=Role.self_growth), "what is waiting for my approval?")
    assert not [e for e in events if e["type"] == "approval_request"]
    text = "".join(e["text"] for e in events if e["type"] == "text")
    assert "Nothing is waiting" in text and "another role" in text
