"""``/api/v1/approvals`` and ``/api/v1/drafts``: decide as the authenticated caller, scoped and role-checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import auth, chat, is_problem, seed_leads
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dealix.settings import Settings
from tools.models import Role, ToolCall


@pytest.fixture
def pending(client: TestClient, key: Callable[..., str], settings: Settings) -> list[dict[str, Any]]:
    seed_leads(settings, "acme")
    _, events = chat(client, key(), "رتب لي أفضل ٣ عملاء اليوم")
    return [e["approval"] for e in events if e["type"] == "approval_request"]


def _audit(client: TestClient, token: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get("/api/v1/audit/events?limit=1000", headers=auth(token)).json()["events"]
    return events


def test_approve_writes_the_draft_and_records_the_caller(client: TestClient, key: Callable[..., str],
                                                         pending: list[dict[str, Any]]) -> None:
    token = key(user="manager-noura")
    approval = pending[0]
    response = client.post(f"/api/v1/approvals/{approval['approval_id']}", json={"decision": "approve"},
                           headers=auth(token))
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["decided_by"] == "manager-noura" and decided["outcome"] == "executed"
    assert decided["status"] == "consumed" and decided["draft_id"]
    draft = client.get(f"/api/v1/drafts/{decided['draft_id']}", headers=auth(token)).json()
    assert draft["approval_id"] == approval["approval_id"]
    assert draft["body"].strip() == approval["args"]["body"].strip() or draft["data"]
    events = _audit(client, token)
    approved = [e for e in events if e["kind"] == "approval_approved" and e["payload"]["approval_id"] == approval[
        "approval_id"]]
    assert approved and approved[0]["actor"] == "manager-noura"


def test_edit_before_approve_writes_exactly_the_edited_text(client: TestClient, key: Callable[..., str],
                                                            pending: list[dict[str, Any]]) -> None:
    token = key()
    approval = next(a for a in pending if a["action"] == "gmail.draft")
    body = "السلام عليكم،\nنص معدّل قصير ومهذّب من مدير المبيعات.\nمع التحية"
    response = client.post(f"/api/v1/approvals/{approval['approval_id']}",
                           json={"decision": "edit", "args": {"body": body}, "reason": "أقصر"}, headers=auth(token))
    decided = response.json()
    assert response.status_code == 200 and decided["status"] == "superseded" and decided["outcome"] == "executed"
    draft = client.get(f"/api/v1/drafts/{decided['draft_id']}", headers=auth(token)).json()
    assert draft["body"].replace("\r\n", "\n").strip() == body
    assert draft["subject"] == approval["args"]["subject"] and draft["to"] == [approval["args"]["to"]]


def test_reject_needs_a_reason_and_writes_nothing(client: TestClient, key: Callable[..., str],
                                                  pending: list[dict[str, Any]]) -> None:
    token = key()
    approval_id = pending[0]["approval_id"]
    is_problem(client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "reject"}, headers=auth(token)), 422)
    is_problem(client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "reject", "reason": "  "},
                           headers=auth(token)), 422)
    decided = client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "reject", "reason": "بعد رمضان"},
                          headers=auth(token)).json()
    assert decided["status"] == "rejected" and decided["draft_id"] is None
    assert client.get("/api/v1/drafts", headers=auth(token)).json()["drafts"] == []
    rejected = [e for e in _audit(client, token) if e["kind"] == "approval_rejected"]
    assert rejected and rejected[0]["payload"]["reason"] == "بعد رمضان"


def test_a_second_decision_is_409_and_runs_nothing_again(client: TestClient, key: Callable[..., str],
                                                         pending: list[dict[str, Any]]) -> None:
    token = key()
    approval_id = pending[0]["approval_id"]
    assert client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "approve"},
                       headers=auth(token)).status_code == 200
    for body in ({"decision": "approve"}, {"decision": "reject", "reason": "x"}):
        is_problem(client.post(f"/api/v1/approvals/{approval_id}", json=body, headers=auth(token)), 409,
                   "already_decided")
    assert len(client.get("/api/v1/drafts", headers=auth(token)).json()["drafts"]) == 1


@pytest.mark.parametrize("role", [Role.self_growth])
def test_a_role_without_rights_gets_403_and_the_attempt_is_audited(
        client: TestClient, key: Callable[..., str], pending: list[dict[str, Any]], role: Role) -> None:
    approval_id = pending[0]["approval_id"]
    weak = key(role=role, user="growth-bot")
    for body in ({"decision": "approve"}, {"decision": "edit", "args": {"body": "x"}},
                 {"decision": "reject", "reason": "x"}):
        is_problem(client.post(f"/api/v1/approvals/{approval_id}", json=body, headers=auth(weak)), 403,
                   "role_not_allowed")
    boss = key()
    assert client.get(f"/api/v1/approvals/{approval_id}", headers=auth(boss)).json()["status"] == "pending"
    refused = [e for e in _audit(client, boss) if e["kind"] == "approval_refused"]
    assert len(refused) == 3 and {e["actor"] for e in refused} == {"growth-bot"}


def test_the_body_cannot_name_the_approver_or_tenant(client: TestClient, key: Callable[..., str],
                                                     pending: list[dict[str, Any]]) -> None:
    approval_id = pending[0]["approval_id"]
    for extra in ({"decided_by": "ceo-fahad"}, {"tenant": "other"}, {"role": "ceo"}):
        response = client.post(f"/api/v1/approvals/{approval_id}", json={"decision": "approve", **extra},
                               headers=auth(key(role=Role.self_growth)))
        is_problem(response, 422, "validation_failed")


def test_the_inbox_lists_mine_by_default_and_the_tenant_on_request(
        client: TestClient, key: Callable[..., str], pending: list[dict[str, Any]]) -> None:
    mine = client.get("/api/v1/approvals", headers=auth(key())).json()["approvals"]
    assert {a["approval_id"] for a in mine} == {a["approval_id"] for a in pending}
    weak = key(role=Role.self_growth)
    assert client.get("/api/v1/approvals", headers=auth(weak)).json()["approvals"] == []
    everyone = client.get("/api/v1/approvals?scope=tenant", headers=auth(weak)).json()["approvals"]
    assert len(everyone) == len(pending) and not any(a["can_decide"] for a in everyone)


def test_an_approval_outside_any_graph_is_resolved_and_executed_once(
        app: FastAPI, client: TestClient, key: Callable[..., str], settings: Settings) -> None:
    token = key(role=Role.ceo)
    client.get("/api/v1/approvals", headers=auth(token))  # builds the services
    gateway = next(iter(app.state.services.values()))[1].gateway
    result = gateway.decide(ToolCall(tenant="acme", skill="execution_governor", action="crm.update",
                                     args={"updates": [{"record_id": "deal-7", "field": "stage", "new": "proposal"}]},
                                     thread_id="api", tool_call_id="crm-1"))
    assert result.approval is not None
    decided = client.post(f"/api/v1/approvals/{result.approval.approval_id}", json={"decision": "approve"},
                          headers=auth(token)).json()
    assert decided["status"] == "consumed" and decided["outcome"] == "executed" and decided["decided_by"] == "ceo@acme"
    is_problem(client.post(f"/api/v1/approvals/{result.approval.approval_id}", json={"decision": "approve"},
                           headers=auth(token)), 409)


def test_drafts_list_only_draft_connectors(client: TestClient, key: Callable[..., str],
                                           pending: list[dict[str, Any]]) -> None:
    token = key()
    for approval in pending:
        client.post(f"/api/v1/approvals/{approval['approval_id']}", json={"decision": "approve"}, headers=auth(token))
    drafts = client.get("/api/v1/drafts", headers=auth(token)).json()["drafts"]
    assert len(drafts) == len(pending) and all(d["action"].endswith("draft") for d in drafts)
    is_problem(client.get("/api/v1/drafts/Lnope", headers=auth(token)), 404)


def test_a_connector_failure_after_approval_reports_not_executed(
        app: FastAPI, client: TestClient, key: Callable[..., str]) -> None:
    token = key(role=Role.ceo)
    client.get("/api/v1/approvals", headers=auth(token))
    gateway = next(iter(app.state.services.values()))[1].gateway
    result = gateway.decide(ToolCall(tenant="acme", skill="execution_governor", action="crm.update",
                                     args={"record": "deal-7"}, thread_id="api", tool_call_id="crm-2"))
    assert result.approval is not None
    response = client.post(f"/api/v1/approvals/{result.approval.approval_id}", json={"decision": "approve"},
                           headers=auth(token))
    assert response.status_code == 200 and response.json()["outcome"] == "not_executed"
    assert response.json()["message_ar"]


def test_a_negotiation_threads_approval_resumes_that_graph(app: FastAPI, client: TestClient,
                                                           key: Callable[..., str], settings: Settings) -> None:
    from graphs.negotiation import build_negotiation_context, start_negotiation
    from skills.negotiation.models import DealContext

    token = key(user="noura")
    client.get("/api/v1/approvals", headers=auth(token))
    services = next(iter(app.state.services.values()))[1]
    with services.checkpointer() as checkpointer:
        ctx = build_negotiation_context(settings, "acme", gateway=services.gateway, clock=services.clock)
        run = start_negotiation(ctx, checkpointer, "السعر عندكم مرتفع مقارنة بغيركم",
                                DealContext(deal_id="deal-9", company_name="شركة النخبة", channel="email",
                                            email="buyer@nokhba.example.sa"))
    assert run.pending is not None
    decided = client.post(f"/api/v1/approvals/{run.pending.approval_id}", json={"decision": "approve"},
                          headers=auth(token)).json()
    assert decided["outcome"] == "executed" and decided["decided_by"] == "noura" and decided["draft_id"]
    with services.checkpointer() as checkpointer:
        from graphs.checkpoint import thread_config
        from graphs.negotiation import build_negotiation_graph

        state = build_negotiation_graph(checkpointer).get_state(thread_config(run.thread_id, tenant="acme"))
    outcome = state.values["outcome"]
    status = outcome["status"] if isinstance(outcome, dict) else outcome.status
    assert not state.interrupts and status == "executed"  # the thread itself finished
