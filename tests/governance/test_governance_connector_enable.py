"""Per-tenant connector enablement: disabling is immediate and refuses the connector's actions (audited);
enabling a high-risk connector is an approval another person gives; it is a gate, never a bypass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dlq_support import DRAFT_ARGS
from fastapi.testclient import TestClient
from governance_support import OTHER, TENANT, MovingClock
from governance_support import api_headers as headers
from typer.testing import CliRunner

from dealix.cli.main import app as cli
from dealix.settings import Settings, get_settings
from skills.cards.models import CardType
from skills.cards.service import CardService
from skills.governance.connectors import ConnectorGovernance
from tools.gateway import Gateway
from tools.models import Role, ToolCall

CONNECTORS = "/api/v1/governance/connectors"
runner = CliRunner()




def draft(gateway: Gateway, tenant: str = TENANT, call_id: str = "d1") -> ToolCall:
    return ToolCall(tenant=tenant, skill="execution_governor", action="gmail.draft", contact_id="lead_1",
                    args=DRAFT_ARGS, thread_id="t-switch", tool_call_id=call_id)


def tenant_switch(gateway: Gateway, settings: Settings, clock: MovingClock, name: str,
                  tenant: str = TENANT) -> tuple[bool, bool, str | None]:
    view = {c.name: c for c in ConnectorGovernance(tenant, gateway=gateway, settings=settings, clock=clock,
                                                   environ={}).report().connectors}[name]
    return view.tenant_enabled, view.enabled, view.pending_enable_approval


def test_a_disabled_connectors_actions_are_refused_and_audited(client: TestClient, settings: Settings,
                                                               clock: MovingClock, gateway: Gateway) -> None:
    off = client.post(f"{CONNECTORS}/gmail_draft/disable", headers=headers(settings, clock, Role.growth_manager),
                      json={"reason": "مراجعة القوالب"})
    assert off.status_code == 200 and off.json()["status"] == "disabled" and off.json()["message_ar"]
    result = gateway.invoke(draft(gateway))
    assert not result.decision.allowed and result.decision.reason_code == "connector_disabled"
    assert "موقوف" in result.decision.reason_ar and result.execution is None
    assert list(settings.outbox_dir.glob("gmail.draft-*")) == []
    events = gateway.audit.events(tenant=TENANT)
    assert [e.kind for e in events if e.action == "connector.disable"] == ["decision", "connector_disabled"]
    assert events[-1].payload["reason_code"] == "connector_disabled"  # the refusal itself is audited
    other = gateway.invoke(draft(gateway, tenant=OTHER))  # another tenant's switch is its own
    assert other.execution is not None and other.execution.status == "executed"
    assert tenant_switch(gateway, settings, clock, "gmail_draft") == (False, False, None)
    again = client.post(f"{CONNECTORS}/gmail_draft/enable", headers=headers(settings, clock, Role.growth_manager))
    assert again.json()["status"] == "enabled"  # medium risk: at once, audited
    assert gateway.invoke(draft(gateway, call_id="d2")).execution is not None
    assert "connector_enabled" in [e.kind for e in gateway.audit.events(tenant=TENANT)]


def test_enabling_a_high_risk_connector_waits_for_another_persons_approval(
        client: TestClient, settings: Settings, clock: MovingClock, gateway: Gateway) -> None:
    growth = headers(settings, clock, Role.growth_manager)
    assert client.post(f"{CONNECTORS}/whatsapp_opt_in/disable", headers=growth).json()["status"] == "disabled"
    asked = client.post(f"{CONNECTORS}/whatsapp_opt_in/enable", headers=growth, json={"reason": "حملة رمضان"})
    assert asked.status_code == 200 and asked.json()["status"] == "pending_approval"
    approval_id = asked.json()["approval_id"]
    assert tenant_switch(gateway, settings, clock, "whatsapp_opt_in") == (False, False, approval_id)
    blocked = gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="whatsapp.draft",
                                      args={"to": "+966551234567", "text": "مرحباً"}, thread_id="w", tool_call_id="1"))
    assert blocked.decision.reason_code == "connector_disabled"  # nothing changes until it is approved
    feed = CardService(TENANT, gateway=gateway, clock=clock).feed(Role.ceo, types=[CardType.approval])
    assert [i.card.context.approval_id for i in feed.items] == [approval_id]

    assert client.post(f"/api/v1/approvals/{approval_id}", headers=growth,
                       json={"decision": "approve"}).status_code == 403  # not an approving role
    ceo = headers(settings, clock, Role.ceo, user="ceo@acme")
    decided = client.post(f"/api/v1/approvals/{approval_id}", headers=ceo, json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "consumed" and decided.json()["outcome"] == "executed"
    assert tenant_switch(gateway, settings, clock, "whatsapp_opt_in")[0] is True
    assert len(list(settings.outbox_dir.glob("connector.enable-*"))) == 1
    # enabled for the tenant is a gate, never a bypass: a send still needs opt-in, approval and the live flag
    send = gateway.decide(ToolCall(tenant=TENANT, skill="execution_governor", action="whatsapp.send",
                                   contact_id="lead_1", args={"to": "+966551234567", "text": "مرحباً"},
                                   thread_id="w", tool_call_id="2"))
    assert send.decision.reason_code == "no_opt_in"


def test_the_requester_cannot_approve_their_own_enable(client: TestClient, settings: Settings,
                                                       clock: MovingClock, gateway: Gateway) -> None:
    me = headers(settings, clock, Role.ceo, user="ceo@acme")
    client.post(f"{CONNECTORS}/moyasar_invoice/disable", headers=me)
    approval_id = client.post(f"{CONNECTORS}/moyasar_invoice/enable", headers=me).json()["approval_id"]
    own = client.post(f"/api/v1/approvals/{approval_id}", headers=me, json={"decision": "approve"})
    assert own.status_code == 403 and own.json()["code"] == "self_approval" and own.json()["message_ar"]
    assert tenant_switch(gateway, settings, clock, "moyasar_invoice")[0] is False
    other_ceo = headers(settings, clock, Role.ceo, user="chair@acme")
    assert client.post(f"/api/v1/approvals/{approval_id}", headers=other_ceo,
                       json={"decision": "approve"}).status_code == 200
    assert tenant_switch(gateway, settings, clock, "moyasar_invoice")[0] is True


def test_a_deployment_disabled_integration_stays_disabled_when_a_tenant_enables_it(
        client: TestClient, settings: Settings, clock: MovingClock, gateway: Gateway) -> None:
    growth = headers(settings, clock, Role.growth_manager)
    assert client.post(f"{CONNECTORS}/langfuse/enable", headers=growth).json()["status"] == "enabled"
    tenant_on, enabled, _ = tenant_switch(gateway, settings, clock, "langfuse")
    assert tenant_on is True and enabled is False  # no credentials in this deployment: still off


def test_switch_routes_are_role_checked_and_validate_the_name(client: TestClient, settings: Settings,
                                                              clock: MovingClock) -> None:
    sales = headers(settings, clock, Role.sales_manager)
    refused = client.post(f"{CONNECTORS}/gmail_draft/disable", headers=sales)
    assert refused.status_code == 403 and refused.json()["code"] == "role_not_allowed"
    ceo = headers(settings, clock)
    assert client.post(f"{CONNECTORS}/no_such_thing/enable", headers=ceo).status_code == 404
    assert client.post(f"{CONNECTORS}/Bad-Name!/enable", headers=ceo).status_code in (404, 422)
    unchanged = client.post(f"{CONNECTORS}/gmail_draft/enable", headers=ceo)
    assert unchanged.json()["status"] == "unchanged" and unchanged.json()["message_ar"]


def test_cli_switches_a_connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    try:
        off = runner.invoke(cli, ["governance", "connectors", "--tenant", TENANT, "--disable", "whatsapp_opt_in",
                                  "--json"])
        assert off.exit_code == 0, off.output
        assert json.loads(off.stdout)["status"] == "disabled"
        asked = runner.invoke(cli, ["governance", "connectors", "--tenant", TENANT, "--enable", "whatsapp_opt_in"])
        assert asked.exit_code == 0 and "apr_" in asked.stdout and "الرئيس التنفيذي" in asked.stdout
        listed = json.loads(runner.invoke(cli, ["governance", "connectors", "--tenant", TENANT, "--json"]).stdout)
        row = next(c for c in listed["connectors"] if c["name"] == "whatsapp_opt_in")
        assert row["tenant_enabled"] is False and row["pending_enable_approval"].startswith("apr_")
        unknown = runner.invoke(cli, ["governance", "connectors", "--enable", "nothing_here"])
        assert unknown.exit_code == 1 and "integration_not_found" in unknown.output
    finally:
        get_settings.cache_clear()
