"""``GET /api/v1/governance/forecast``, the console chart and ``dealix governance forecast|deal``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from governance_support import OTHER, TENANT, MovingClock
from governance_support import api_headers as headers
from typer.testing import CliRunner

from api.keys import key_store_for
from dealix.cli.main import app as cli
from dealix.settings import Settings, get_settings
from skills.pipeline.intake import record_deal
from tools.models import Role

BEFORE = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
ROUTE = "/api/v1/governance/forecast"




def plant(settings: Settings, tenant: str = TENANT, company: str = "شركة النخبة") -> None:
    record_deal(settings, tenant, deal_id="D-1", stage="proposal", value="80000", close="2026-11-18", at=BEFORE,
                by="test", company=company, track="direct")


def test_the_forecast_is_open_to_ceo_sales_and_growth_only(client: TestClient, settings: Settings,
                                                          clock: MovingClock) -> None:
    for role in (Role.ceo, Role.sales_manager, Role.growth_manager):
        assert client.get(ROUTE, headers=headers(settings, clock, role=role)).status_code == 200, role
    for role in (Role.support, Role.service_delivery, Role.self_growth):
        refused = client.get(ROUTE, headers=headers(settings, clock, role=role))
        assert refused.status_code == 403 and refused.json()["code"] == "role_not_allowed", role
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get(ROUTE).status_code == 401


def test_the_forecast_is_scoped_to_the_callers_tenant(client: TestClient, settings: Settings,
                                                      clock: MovingClock) -> None:
    plant(settings, tenant=OTHER, company="شركة المنافس")
    body = client.get(ROUTE, headers=headers(settings, clock)).json()
    assert body["pipeline_now"] == [] and all(p["forecast_sar"] == 0 for p in body["periods"])
    assert "المنافس" not in json.dumps(body, ensure_ascii=False)
    rival = client.get(ROUTE, headers=headers(settings, clock, tenant=OTHER)).json()
    current = next(p for p in rival["periods"] if p["key"] == "W2026-11-15")
    assert current["forecast_sar"] == 40_000 and current["state"] == "current"


def test_weeks_or_months_over_the_dates_asked(client: TestClient, settings: Settings, clock: MovingClock) -> None:
    plant(settings)
    ceo = headers(settings, clock)
    weeks = client.get(ROUTE, params={"period": "week", "from": "2026-11-01", "to": "2026-11-21"}, headers=ceo).json()
    assert [p["key"] for p in weeks["periods"]] == ["W2026-11-01", "W2026-11-08", "W2026-11-15"]
    months = client.get(ROUTE, params={"period": "month", "from": "2026-10-01", "to": "2026-12-31"},
                        headers=ceo).json()
    assert [(p["key"], p["forecast_sar"]) for p in months["periods"]] == [("2026-10", 0), ("2026-11", 40_000),
                                                                          ("2026-12", 0)]


@pytest.mark.parametrize("params", [
    {"from": "2026-11-20", "to": "2026-11-01"},          # reversed
    {"from": "2025-01-01", "to": "2026-11-01"},          # longer than 400 days
    {"from": "1999-12-31"}, {"to": "2076-01-01"},        # outside the calendar a ledger can use
    {"from": "not-a-day"}, {"period": "year"},
])
def test_unusable_dates_are_422(client: TestClient, settings: Settings, clock: MovingClock,
                                params: dict[str, str]) -> None:
    response = client.get(ROUTE, params=params, headers=headers(settings, clock))
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["message_ar"]


def test_the_console_draws_forecast_vs_actual_as_an_inline_svg(client: TestClient, settings: Settings,
                                                               clock: MovingClock) -> None:
    record_deal(settings, TENANT, deal_id="D-1", stage="proposal", value="80000", close="2026-11-18", at=BEFORE,
                by="test", company="<script>alert(1)</script>", track="direct")
    key = key_store_for(settings).create(user_id="ceo@acme", tenant=TENANT, role=Role.ceo, now=clock.now).key
    assert client.post("/console/login", data={"api_key": key}, follow_redirects=False).status_code == 303
    html = client.get("/console/governance").text
    assert "data-forecast" in html and "<svg data-forecast-chart" in html and "<script>alert" not in html
    bars = re.findall(r'<rect data-kind="(forecast|actual)" data-value="([0-9.]+)" x="([0-9.]+)"', html)
    assert len(bars) == 16  # 8 weeks, two bars each
    forecast = [(float(v), float(x)) for kind, v, x in bars if kind == "forecast"]
    assert max(forecast)[0] == 40_000
    # Arabic reads right to left: the current week (40,000) sits right of the week after it.
    current_x = max(forecast)[1]
    later_x = [x for v, x in forecast if v == 0][-1]
    assert current_x > later_x
    english = client.get("/console/governance?lang=en").text
    en_forecast = [(float(v), float(x)) for kind, v, x in re.findall(
        r'<rect data-kind="(forecast|actual)" data-value="([0-9.]+)" x="([0-9.]+)"', english) if kind == "forecast"]
    assert max(en_forecast)[1] < max(x for _, x in en_forecast)  # left to right in English


def test_a_support_session_sees_no_forecast_in_the_console(client: TestClient, settings: Settings,
                                                           clock: MovingClock) -> None:
    key = key_store_for(settings).create(user_id="s@acme", tenant=TENANT, role=Role.support, now=clock.now).key
    client.post("/console/login", data={"api_key": key}, follow_redirects=False)
    html = client.get("/console/governance").text
    assert "data-forecast" not in html and "data-approvals" in html


# ------------------------------------------------------------------------------------ CLI
@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", "k" * 32)
    get_settings.cache_clear()
    yield settings.data_dir
    get_settings.cache_clear()


def test_the_cli_records_a_deal_and_prints_the_forecast(cli_env: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["governance", "deal", "D-7", "--stage", "commit", "--value", "٥٠٠٠٠",
                               "--close", "2027-01-12", "--company", "شركة الأفق", "--track", "expansion",
                               "--tenant", TENANT, "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["value_halalas"] == 5_000_000
    month = runner.invoke(cli, ["governance", "forecast", "--period", "month", "--from", "2027-01-01",
                                "--to", "2027-01-31", "--tenant", TENANT, "--json"])
    assert month.exit_code == 0, month.output
    periods = json.loads(month.stdout)["periods"]
    assert [(p["key"], p["forecast_sar"], p["state"]) for p in periods] == [("2027-01", 47_500, "future")]
    text = runner.invoke(cli, ["governance", "forecast", "--period", "month", "--from", "2027-01-01",
                               "--to", "2027-01-31", "--tenant", TENANT])
    assert text.exit_code == 0 and "47,500" in text.stdout and "يناير" in text.stdout
    wrong = runner.invoke(cli, ["governance", "deal", "D-7", "--stage", "referred", "--value", "1",
                                "--close", "2027-01-12", "--tenant", TENANT])
    assert wrong.exit_code == 1 and "referred" in wrong.output
    room = runner.invoke(cli, ["governance", "executive-room", "--tenant", TENANT])
    assert room.exit_code == 0 and "[جارية]" in room.stdout and "[قادمة]" not in room.stdout  # this week, not ahead
    bad = runner.invoke(cli, ["governance", "forecast", "--from", "2026-12-01", "--to", "2026-11-01"])
    assert bad.exit_code == 1 and "period_invalid" in bad.output
