"""The model-routing view: routes from settings, figures from the model-call records (planted and real), scoped to
the tenant and open to ceo, growth_manager and service_delivery through the API, the CLI and the console."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from governance_support import OTHER, TENANT, MovingClock
from typer.testing import CliRunner

from agents.call_records import ModelCall, ModelCallStore
from api.keys import key_store_for
from dealix.cli.main import app
from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from skills.governance.executive import ExecutiveRoomService
from skills.governance.routing import ModelRoutingView, percentile
from skills.negotiation.factory import build_coach
from skills.negotiation.models import DealContext
from tools.gateway import Gateway
from tools.models import Role
from tools.saudi_time import system_clock

ROUTE = ("openai:gpt-4o-mini", "offline")


def plant(gateway: Gateway, clock: MovingClock, *, tenant: str = TENANT, skill: str = "saudi_copywriter",
          model: str | None = "openai:gpt-4o-mini", latency_ms: int = 100, fell_back: bool = False,
          guard_ok: bool = True, tokens: tuple[int, int] = (100, 50), cost: float | None = 0.01,
          age_days: float = 0) -> ModelCall:
    call = ModelCall(call_id=uuid.uuid4().hex, tenant=tenant, skill=skill, route=ROUTE, model=model,
                     ok=model is not None, fell_back=fell_back,
                     fell_back_from=("openai:gpt-4o-mini",) if fell_back else (),
                     failure_kinds=("server_error",) if fell_back else (), attempts=4 if fell_back else 1,
                     requests=1, input_tokens=tokens[0], output_tokens=tokens[1], latency_ms=latency_ms,
                     guard_ok=guard_ok, cost_sar=cost, ts=clock.now - timedelta(days=age_days))
    ModelCallStore(gateway.store).add(call)
    return call


def plant_week(gateway: Gateway, clock: MovingClock) -> None:
    plant(gateway, clock, latency_ms=100)
    plant(gateway, clock, latency_ms=300, guard_ok=False)
    plant(gateway, clock, latency_ms=1000, model="offline", fell_back=True, tokens=(80, 40), cost=0.0)
    plant(gateway, clock, latency_ms=200, cost=None)  # a model with no price
    plant(gateway, clock, latency_ms=5000, age_days=8)  # outside the 7-day window
    plant(gateway, clock, tenant=OTHER, latency_ms=9000, fell_back=True)


def test_the_view_aggregates_the_tenants_calls_in_the_window(gateway: Gateway, settings: Settings,
                                                             clock: MovingClock) -> None:
    plant_week(gateway, clock)
    report = ModelRoutingView(TENANT, gateway=gateway, settings=settings, clock=clock).report()
    writer = next(s for s in report.skills if s.skill == "saudi_copywriter")
    assert (writer.calls, writer.failures, writer.fallbacks, writer.guard_failures) == (4, 1, 1, 1)
    assert (writer.input_tokens, writer.output_tokens) == (380, 190)
    assert (writer.latency_p50_ms, writer.latency_p95_ms) == (200, 1000)
    assert writer.cost_estimate_sar == pytest.approx(0.02) and writer.unpriced_calls == 1
    assert {t.key: t.count for t in writer.served_by} == {"openai:gpt-4o-mini": 3, "offline": 1}
    assert [(t.key, t.count) for t in writer.failure_kinds] == [("server_error", 1)]
    coach = next(s for s in report.skills if s.skill == "negotiation_coach")
    assert coach.calls == 0 and coach.latency_p50_ms is None and coach.route == ("offline",)
    assert report.health == "degraded" and report.calls == 4
    assert ModelRoutingView(TENANT, gateway=gateway, settings=settings, clock=clock).report(days=30).calls == 5


def test_a_window_of_clean_calls_is_healthy_and_an_empty_one_has_no_data(gateway: Gateway, settings: Settings,
                                                                         clock: MovingClock) -> None:
    view = ModelRoutingView(TENANT, gateway=gateway, settings=settings, clock=clock)
    assert view.report().health == "no_data"
    plant(gateway, clock, guard_ok=False)  # a guard failure is content, not model health
    assert view.report().health == "ok"


def test_the_route_shown_is_the_one_in_settings(gateway: Gateway, tmp_path: Path, clock: MovingClock) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 32, openai_base_url="http://127.0.0.1:9/v1",
                        openai_api_key="sk-x", model_routes={
                            "negotiation_coach": {"primary": "openai:big", "fallbacks": ["openai:small", "offline"]}})
    report = ModelRoutingView(TENANT, gateway=gateway, settings=settings, clock=clock).report()
    routes = {s.skill: s.route for s in report.skills}
    assert routes == {"saudi_copywriter": ("offline",), "negotiation_coach": ("openai:big", "openai:small", "offline")}
    assert report.retry.attempts == settings.model_retry_attempts


def test_a_real_coach_call_is_recorded_and_shows_in_the_view(gateway: Gateway, settings: Settings,
                                                             clock: MovingClock) -> None:
    coach = build_coach(settings, tenant=TENANT, gateway=gateway, clock=clock)
    deal = DealContext(deal_id="deal-9", company_name="شركة النخبة", contact_name="سارة", phone="+966501234567")
    assert coach.respond("السعر غالي شوي", deal).reply.status == "ready"
    [call] = ModelCallStore(gateway.store).calls(TENANT)
    assert (call.skill, call.model, call.ok, call.fell_back, call.guard_ok) == (
        "negotiation_coach", "offline", True, False, True)
    assert call.cost_sar == 0.0 and call.input_tokens > 0
    coach_row = next(s for s in ModelRoutingView(TENANT, gateway=gateway, settings=settings, clock=clock)
                     .report().skills if s.skill == "negotiation_coach")
    assert coach_row.calls == 1


def test_the_executive_room_carries_the_model_health(gateway: Gateway, settings: Settings,
                                                     clock: MovingClock) -> None:
    def room_health() -> str | None:
        return ExecutiveRoomService(TENANT, gateway=gateway, settings=settings, clock=clock).room().model_health

    assert room_health() == "no_data"
    plant(gateway, clock, model="offline", fell_back=True)
    assert room_health() == "degraded"


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5], 0.95) == 5
    assert percentile(list(range(1, 101)), 0.95) == 95


# --- API, CLI, console --------------------------------------------------------------------------------------------

def key(settings: Settings, clock: MovingClock, role: Role, tenant: str = TENANT) -> str:
    return key_store_for(settings).create(user_id=f"{role.value}@{tenant}", tenant=tenant, role=role,
                                          now=clock.now).key


def test_the_api_is_role_checked_and_tenant_scoped(client: TestClient, settings: Settings, clock: MovingClock,
                                                   gateway: Gateway) -> None:
    plant_week(gateway, clock)
    path = "/api/v1/governance/model-routing"
    assert client.get(path).status_code == 401
    for role in (Role.ceo, Role.growth_manager, Role.service_delivery):
        response = client.get(path, headers={"Authorization": f"Bearer {key(settings, clock, role)}"})
        assert response.status_code == 200, role
        assert response.json()["calls"] == 4
    refused = client.get(path, headers={"Authorization": f"Bearer {key(settings, clock, Role.sales_manager)}"})
    assert refused.status_code == 403 and refused.json()["code"] == "role_not_allowed"
    theirs = client.get(path, headers={"Authorization": f"Bearer {key(settings, clock, Role.ceo, OTHER)}"}).json()
    assert theirs["calls"] == 1 and theirs["fallbacks"] == 1
    month = client.get(path, params={"days": 30},
                       headers={"Authorization": f"Bearer {key(settings, clock, Role.ceo)}"}).json()
    assert month["calls"] == 5 and month["window_days"] == 30


def test_the_console_section_shows_for_the_ceo_only(client: TestClient, settings: Settings, clock: MovingClock,
                                                    gateway: Gateway) -> None:
    plant_week(gateway, clock)
    assert client.post("/console/login", data={"api_key": key(settings, clock, Role.ceo)},
                       follow_redirects=False).status_code == 303
    html = client.get("/console/governance").text
    assert "data-model-routing" in html and "data-routing-chart" in html and "توجيه النماذج" in html
    assert 'data-skill="saudi_copywriter"' in html and 'data-bar="failures"' in html
    client.cookies.clear()
    assert client.post("/console/login", data={"api_key": key(settings, clock, Role.sales_manager)},
                       follow_redirects=False).status_code == 303
    assert "data-model-routing" not in client.get("/console/governance").text


def test_the_cli_prints_json_and_an_arabic_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        settings.ensure_data_dir()
        live = MovingClock(now=system_clock())  # the CLI runs on the system clock
        gateway = build_gateway(settings)
        plant(gateway, live, fell_back=True, model="offline", cost=0.0)
        plant(gateway, live, tenant=OTHER)
        runner = CliRunner()
        result = runner.invoke(app, ["governance", "model-routing", "--tenant", TENANT, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["calls"] == 1 and data["fallbacks"] == 1 and data["health"] == "degraded"
        text = runner.invoke(app, ["governance", "model-routing", "--tenant", TENANT]).stdout
        assert "توجيه النماذج" in text and "كاتب الرسائل السعودي" in text and "تقديرية" in text
    finally:
        get_settings.cache_clear()
