"""Model routing at run time: a failing OpenAI-compatible model is retried with growing backoff, then the next
route serves, finally the offline model; a guard failure is not a fallback; the records hold no personal data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_ai import models
from test_openai_path import BAD, GOOD, FakeOpenAI

from agents.call_records import ModelCallRecorder, ModelCallStore
from agents.copywriter import LeadBrief
from agents.models import ModelConfigError, build_copywriter
from dealix.settings import ModelRoute, Settings
from skills.negotiation.models import DealContext, ObjectionClass
from skills.negotiation.negotiator import ReplyRequest, build_negotiator
from tools.pii import PiiMasker
from tools.store import Store

MASKER = PiiMasker(b"k" * 32)
NAME = "سلمان العتيبي"
PHONE = "+966501234567"
BRIEF = LeadBrief(lead_id="lead-7", channel="email", language="ar", company_name="شركة الريادة",
                  contact_name=NAME, city="الرياض", contact_points=(PHONE, "salman@riyada.example.sa"))


class Sleeps:
    """The injected wait: records each backoff instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    yield


@pytest.fixture
def store(tmp_path: Path) -> ModelCallStore:
    return ModelCallStore(Store(tmp_path / "gateway.db"))


def _settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="k" * 32, model="openai:fake-model",
                    openai_base_url=url, openai_api_key="sk-loopback-only", **extra)


# --- the routing table -----------------------------------------------------------------------------------------

def test_dealix_model_is_every_skills_primary_with_offline_behind_it() -> None:
    settings = Settings(model="openai:gpt-4o-mini", openai_base_url="http://127.0.0.1:9/v1", openai_api_key="sk-x")
    assert settings.model_route("saudi_copywriter").chain == ("openai:gpt-4o-mini", "offline")
    assert settings.model_route("negotiation_coach").chain == ("openai:gpt-4o-mini", "offline")
    assert Settings().model_route("saudi_copywriter").chain == ("offline",)


def test_routes_are_read_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALIX_MODEL_ROUTES", json.dumps(
        {"negotiation_coach": {"primary": "openai:big", "fallbacks": ["openai:small", "offline"]}}))
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1", openai_api_key="sk-x")
    assert settings.model_route("negotiation_coach").chain == ("openai:big", "openai:small", "offline")
    assert settings.model_route("saudi_copywriter").chain == ("offline",)  # DEALIX_MODEL still routes the rest


@pytest.mark.parametrize(("routes", "message"), [
    ({"closer_bot": {"primary": "offline"}}, "saudi_copywriter"),
    ({"saudi_copywriter": {"primary": "openai:big", "fallbacks": ["openai:small"]}}, "must end in 'offline'"),
    ({"saudi_copywriter": {"primary": "claude:big"}}, "unknown model 'claude:big'"),
    ({"saudi_copywriter": {"primary": "openai:big", "fallbacks": ["offline", "offline"]}}, "names a model twice"),
])
def test_a_bad_routing_table_is_refused_with_a_clear_error(routes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(model_routes=routes, openai_base_url="http://127.0.0.1:9/v1", openai_api_key="sk-x")


def test_an_openai_route_without_a_base_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="DEALIX_OPENAI_BASE_URL is not set"):
        Settings(model_routes={"negotiation_coach": ModelRoute(primary="openai:big")}, openai_api_key="sk-x")


def test_an_unknown_dealix_model_still_fails_as_a_model_config_error() -> None:
    with pytest.raises(ModelConfigError):
        build_copywriter(Settings(model="gpt-4"), MASKER)


# --- retry, backoff and fallback ----------------------------------------------------------------------------------

def test_a_failing_model_is_retried_with_growing_backoff_then_the_offline_model_writes(
        tmp_path: Path, loopback: None, store: ModelCallStore) -> None:
    sleeps = Sleeps()
    with FakeOpenAI([GOOD], failures=100) as fake:
        settings = _settings(tmp_path, fake.url, model_retry_attempts=3)
        writer = build_copywriter(settings, MASKER, recorder=ModelCallRecorder(store, "t1"), sleep=sleeps)
        draft = writer.write(BRIEF)

    assert len(fake.failed) == 3 and fake.requests == []
    assert sleeps.waits == [0.5, 1.0]
    assert draft.status == "ready" and draft.body
    assert draft.model == "offline" and draft.fell_back and draft.fell_back_from == ("openai:fake-model",)
    assert draft.prompt.id == "outreach.email.ar"  # the offline model writes from the vetted template
    [call] = store.calls("t1")
    assert call.skill == "saudi_copywriter" and call.route == ("openai:fake-model", "offline")
    assert call.model == "offline" and call.ok and call.fell_back and call.guard_ok
    assert call.fell_back_from == ("openai:fake-model",) and call.failure_kinds == ("server_error",)
    assert call.attempts == 4  # three HTTP tries, then one offline request
    assert call.cost_sar == 0.0


def test_a_model_that_recovers_within_its_retries_serves_without_a_fallback(
        tmp_path: Path, loopback: None, store: ModelCallStore) -> None:
    sleeps = Sleeps()
    with FakeOpenAI([GOOD], failures=2, status=503) as fake:
        settings = _settings(tmp_path, fake.url, model_retry_attempts=3, model_backoff_seconds=0.25)
        draft = build_copywriter(settings, MASKER, recorder=ModelCallRecorder(store, "t1"), sleep=sleeps).write(BRIEF)

    assert len(fake.failed) == 2 and len(fake.requests) == 1
    assert sleeps.waits == [0.25, 0.5]
    assert draft.body == GOOD and draft.model == "openai:fake-model" and not draft.fell_back
    [call] = store.calls("t1")
    assert not call.fell_back and call.attempts == 3 and call.failure_kinds == ()
    assert (call.input_tokens, call.output_tokens) == (10, 10)
    assert call.cost_sar is None  # no price for "fake-model": no estimate rather than a guess


def test_the_chain_is_tried_in_order_before_the_offline_model(tmp_path: Path, loopback: None,
                                                              store: ModelCallStore) -> None:
    routes = {"saudi_copywriter": {"primary": "openai:big", "fallbacks": ["openai:small", "offline"]}}
    with FakeOpenAI([GOOD], failures=2) as fake:
        settings = _settings(tmp_path, fake.url, model_routes=routes, model_retry_attempts=2)
        draft = build_copywriter(settings, MASKER, recorder=ModelCallRecorder(store, "t1"), sleep=Sleeps()).write(BRIEF)

    assert [r["model"] for r in fake.failed] == ["big", "big"] and [r["model"] for r in fake.requests] == ["small"]
    assert draft.model == "openai:small" and draft.fell_back_from == ("openai:big",)
    [call] = store.calls("t1")
    assert call.route == ("openai:big", "openai:small", "offline") and call.fell_back


def test_a_rejected_request_is_not_retried_but_falls_back(tmp_path: Path, loopback: None) -> None:
    sleeps = Sleeps()
    with FakeOpenAI([GOOD], failures=100, status=400) as fake:
        draft = build_copywriter(_settings(tmp_path, fake.url), MASKER, sleep=sleeps).write(BRIEF)
    assert len(fake.failed) == 1 and sleeps.waits == []
    assert draft.model == "offline" and draft.fell_back


def test_a_guard_failure_is_recorded_as_such_and_is_not_a_fallback(tmp_path: Path, loopback: None,
                                                                    store: ModelCallStore) -> None:
    with FakeOpenAI([BAD]) as fake:
        draft = build_copywriter(_settings(tmp_path, fake.url), MASKER,
                                 recorder=ModelCallRecorder(store, "t1"), sleep=Sleeps()).write(BRIEF)
    assert len(fake.requests) == 3 and fake.failed == []
    assert draft.status == "needs_review" and draft.model == "openai:fake-model" and not draft.fell_back
    [call] = store.calls("t1")
    assert call.ok and not call.guard_ok and not call.fell_back and call.requests == 3


def test_the_negotiation_coach_falls_back_and_is_recorded_under_its_own_skill(
        tmp_path: Path, loopback: None, store: ModelCallStore) -> None:
    deal = DealContext(company_name="شركة الريادة", contact_name=NAME)
    request = ReplyRequest(objection=ObjectionClass.price, language="ar", channel="whatsapp",
                           proposed_date="الأحد 22 نوفمبر", deal=deal, customer_message="السعر غالي")
    with FakeOpenAI([GOOD], failures=100) as fake:
        negotiator = build_negotiator(_settings(tmp_path, fake.url, model_retry_attempts=2), MASKER,
                                      recorder=ModelCallRecorder(store, "t1"), sleep=Sleeps())
        reply = negotiator.write(request)
    assert len(fake.failed) == 2
    assert reply.status == "ready" and reply.model == "offline"
    [call] = store.calls("t1")
    assert call.skill == "negotiation_coach" and call.fell_back and call.guard_ok


def test_the_records_hold_no_personal_data(tmp_path: Path, loopback: None) -> None:
    db = Store(tmp_path / "gateway.db")
    store = ModelCallStore(db)
    with FakeOpenAI([GOOD], failures=1) as fake:
        writer = build_copywriter(_settings(tmp_path, fake.url), MASKER, recorder=ModelCallRecorder(store, "t1"),
                                  sleep=Sleeps())
        writer.write(BRIEF)
        writer.write(BRIEF.model_copy(update={"channel": "whatsapp"}))
    with db.read() as conn:
        rows = [tuple(r) for r in conn.execute("SELECT * FROM model_calls").fetchall()]
    dumped = json.dumps(rows, ensure_ascii=False, default=str)
    assert len(rows) == 2
    for secret in (NAME, PHONE, "501234567", "salman@riyada.example.sa", "شركة الريادة", GOOD[:20]):
        assert secret not in dumped
