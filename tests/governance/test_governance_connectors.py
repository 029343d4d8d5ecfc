"""Connector governance: a failing connector shows in its runs, error rate and last failure; credentials
are a yes/no that never carries a value; the live flag and safe defaults set the state."""

from __future__ import annotations

from pathlib import Path

import pytest
from governance_support import OTHER, TENANT, MovingClock

from dealix.settings import Settings
from dealix.wiring import build_gateway
from skills.governance.connectors import ConnectorGovernance
from skills.governance.models import ConnectorView
from tools.errors import ConnectorError
from tools.gateway import Gateway
from tools.integrations import load_integrations
from tools.models import ToolCall

GOOD = {"seller_name": "مؤسسة ديليكس", "vat_number": "300000000000003", "buyer_name": "شركة النخبة",
        "items": [{"description": "اشتراك شهري", "quantity": 1, "unit_price": "1000"}]}
SECRET = "sk-live-DO-NOT-SHOW-123456"


def views(gateway: Gateway, settings: Settings, clock: MovingClock, tenant: str = TENANT,
          environ: dict[str, str] | None = None) -> dict[str, ConnectorView]:
    report = ConnectorGovernance(tenant, gateway=gateway, settings=settings, clock=clock,
                                 environ=environ or {}).report()
    return {c.name: c for c in report.connectors}


def invoice(gateway: Gateway, call_id: str, **changes: str) -> None:
    gateway.invoke(ToolCall(tenant=TENANT, skill="execution_governor", action="moyasar.invoice_draft",
                            args={**GOOD, **changes}, thread_id="inv", tool_call_id=call_id))


def test_every_integration_is_listed_with_its_phase_and_risk(gateway: Gateway, settings: Settings,
                                                             clock: MovingClock) -> None:
    found = views(gateway, settings, clock)
    registry = load_integrations()
    assert set(found) == set(registry.names())
    for name, view in found.items():
        assert (view.launch_phase, view.risk_level) == (registry.get(name).launch_phase, registry.get(name).risk_level)
    assert found["langfuse"].state == "disabled" and not found["langfuse"].enabled
    assert found["gmail_draft"].state == "safe_mode" and found["gmail_draft"].enabled


def test_a_failing_connector_shows_in_its_error_rate(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    invoice(gateway, "ok")
    clock.advance(minutes=10)
    with pytest.raises(ConnectorError):
        invoice(gateway, "bad", seller_name="م" * 200)  # too long for the ZATCA QR: the connector fails
    moyasar = views(gateway, settings, clock)["moyasar_invoice"]
    assert (moyasar.runs, moyasar.failures, moyasar.error_rate) == (2, 1, 0.5)
    assert moyasar.last_failure is not None and moyasar.last_success is not None
    assert moyasar.last_failure > moyasar.last_success
    assert views(gateway, settings, clock, OTHER)["moyasar_invoice"].runs == 0


def test_credentials_are_a_yes_or_no_never_a_value(gateway: Gateway, settings: Settings, clock: MovingClock) -> None:
    names = load_integrations().get("langfuse").required_env_vars
    partial = views(gateway, settings, clock, environ={names[0]: SECRET})["langfuse"]
    assert not partial.credentials_present and partial.state == "disabled"
    full = views(gateway, settings, clock, environ=dict.fromkeys(names, SECRET))["langfuse"]
    assert full.credentials_present and full.state == "configured"
    assert SECRET not in full.model_dump_json()


def test_the_live_flag_makes_a_connector_live(tmp_path: Path, clock: MovingClock) -> None:
    settings = Settings(data_dir=tmp_path / "live", secret_key="k" * 32, live_whatsapp=True)
    settings.ensure_data_dir()
    found = views(build_gateway(settings, clock=clock), settings, clock)
    assert found["whatsapp_opt_in"].state == "live"
    assert found["google_calendar_draft"].state != "live"
