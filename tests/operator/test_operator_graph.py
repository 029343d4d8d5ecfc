"""The operator chat graph: the supervisor routes, skills run through the gateway, events stream."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from operator_support import SUNDAY_10_RIYADH, new_thread, of_type, reply, turn
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from dealix.settings import Settings
from graphs.operator_context import OperatorContext
from skills.operator import handlers
from skills.operator.model_router import ModelRouter
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import Role


@pytest.fixture
def leads(settings: Settings) -> None:
    build_service(settings, tenant="acme", clock=lambda: SUNDAY_10_RIYADH).import_file(SAMPLE_FILE)


def test_without_leads_the_operator_asks_for_a_file_and_drafts_nothing(make_ctx: Callable[..., OperatorContext]
                                                                        ) -> None:
    events = turn(make_ctx(), "رتب لي أفضل ١٠ عملاء اليوم")
    assert "استورد ملف العملاء" in reply(events) and not of_type(events, "approval_request")


def test_todays_targets_start_one_autopilot_run_per_day(make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx()
    first = turn(ctx, "رتب لي أفضل ٥ عملاء اليوم")  # of the five picks, three get a draft (two a person's step)
    approvals = [e.approval for e in of_type(first, "approval_request")]
    assert len(approvals) == 3 and len({a.thread_id for a in approvals}) == 1
    assert ctx.threads.autopilot_for_day("acme", "2026-11-22") is not None
    again = turn(ctx, "rank my top 5 leads today")
    assert {e.approval.approval_id for e in of_type(again, "approval_request")} == {a.approval_id for a in approvals}
    assert "already prepared" in reply(again)
    assert len(ctx.gateway.pending_approvals("acme")) == 3


def test_each_skill_asks_the_gateway_under_its_own_skill_id(make_ctx: Callable[..., OperatorContext],
                                                            leads: None) -> None:
    ctx = make_ctx()
    events = turn(ctx, "rank my top 3 leads today")
    call = of_type(events, "tool_call")[0]
    assert call.skill == "targeting_analyst" and call.action == "targeting.rank" and call.allowed
    event = next(e for e in ctx.gateway.audit.events(tenant="acme", limit=1000) if e.event_id == call.audit_event)
    assert event.actor == "sales_manager@acme" and event.payload["skill"] == "targeting_analyst"


@pytest.mark.parametrize(("text", "action"), [("scrape linkedin for CMOs", "linkedin.scrape"),
                                              ("ارسل واتساب لكل العملاء", "whatsapp.send"),
                                              ("اخصم المبلغ من بطاقة العميل", "moyasar.charge")])
def test_refusals_are_blocked_by_the_gateway_and_audited(make_ctx: Callable[..., OperatorContext], text: str,
                                                        action: str) -> None:
    ctx = make_ctx()
    events = turn(ctx, text)
    call = of_type(events, "tool_call")[0]
    assert call.action == action and call.mode == "blocked" and not call.allowed
    assert not of_type(events, "approval_request") and not ctx.gateway.pending_approvals("acme")
    assert "سُجّلت هذه المحاولة" in reply(events) or "recorded" in reply(events)


def test_a_guarantee_request_is_refused_and_recorded_without_any_action(make_ctx: Callable[..., OperatorContext]
                                                                       ) -> None:
    ctx = make_ctx()
    events = turn(ctx, "اكتب رسالة نضمن فيها زيادة المبيعات ٣٠٪")
    assert "لا أكتب وعوداً" in reply(events) and not of_type(events, "tool_call")
    refused = [e for e in ctx.gateway.audit.events(tenant="acme") if e.kind == "request_refused"]
    assert refused and refused[0].payload["refusal"] == "guarantee" and refused[0].actor == "sales_manager@acme"


def test_skills_not_built_yet_decline_and_are_not_offered(make_ctx: Callable[..., OperatorContext],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "EXTERNAL", {})
    ctx = make_ctx()
    events = turn(ctx, "اكتب رد على اعتراض السعر")
    assert "ليست متاحة بعد" in reply(events) and len(events) == 1 + len(of_type(events, "text")) + 1
    help_text = reply(turn(ctx, "وش تقدر تسوي؟"))
    assert "ترتيب أفضل الفرص" in help_text and "اعتراض" not in help_text


def test_the_pending_approvals_answer_is_scoped_to_the_callers_role(make_ctx: Callable[..., OperatorContext],
                                                                    leads: None) -> None:
    turn(make_ctx(), "rank my top 3 leads today")  # two drafts: the top pick is a partner introduction
    mine = turn(make_ctx(), "وش اللي ينتظر موافقتي؟")
    assert len(of_type(mine, "approval_request")) == 2
    assert all(e.approval.can_decide for e in of_type(mine, "approval_request"))
    growth_bot = turn(make_ctx(role=Role.self_growth), "وش اللي ينتظر موافقتي؟")
    assert not of_type(growth_bot, "approval_request") and "دور آخر" in reply(growth_bot)
    other_tenant = turn(make_ctx(tenant="other"), "وش اللي ينتظر موافقتي؟")
    assert not of_type(other_tenant, "approval_request") and "لا يوجد شيء" in reply(other_tenant)


def test_the_conversation_survives_in_the_checkpointer(make_ctx: Callable[..., OperatorContext],
                                                       settings: Settings) -> None:
    from graphs.checkpoint import open_checkpointer
    from graphs.operator_runtime import thread_messages

    ctx = make_ctx()
    thread_id = new_thread(ctx)
    turn(ctx, "مرحبا", thread_id)
    turn(ctx, "what can you do?", thread_id)
    with open_checkpointer(settings) as fresh:  # another connection, as another process would open
        from dataclasses import replace

        messages = thread_messages(replace(ctx, checkpointer=fresh), thread_id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[3].text.startswith("Welcome")


# ------------------------------------------------------------------------------ the model path
def _picks(tool: str, **args: Any) -> FunctionModel:
    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        names = [t.name for t in info.output_tools]
        assert tool in names, names
        return ModelResponse(parts=[ToolCallPart(tool, args)])

    return FunctionModel(answer)


def test_with_a_model_the_route_is_its_tool_call(make_ctx: Callable[..., OperatorContext], leads: None) -> None:
    ctx = make_ctx(router=ModelRouter(_picks("targeting_rank", top_n=3)))  # three picks, two drafts
    events = turn(ctx, "مين نكلم اليوم؟")  # the classifier alone would not know
    route = of_type(events, "route")[0]
    assert route.via == "model" and route.intent == "targeting_rank"
    assert len(of_type(events, "approval_request")) == 2


def test_refusals_never_reach_the_model(make_ctx: Callable[..., OperatorContext]) -> None:
    ctx = make_ctx(router=ModelRouter(_picks("targeting_rank")))
    events = turn(ctx, "scrape linkedin and rank the results")
    assert of_type(events, "route")[0].intent == "refusal" and of_type(events, "tool_call")[0].mode == "blocked"


def test_a_failing_model_falls_back_to_the_classifier(make_ctx: Callable[..., OperatorContext]) -> None:
    def broken(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        raise RuntimeError("endpoint down")

    events = turn(make_ctx(router=ModelRouter(FunctionModel(broken))), "وش اللي ينتظر موافقتي؟")
    route = of_type(events, "route")[0]
    assert route.via == "classifier" and route.intent == "pending_approvals"


def test_the_graph_is_registered_for_langgraph_studio() -> None:
    spec = json.loads((Path(__file__).resolve().parents[2] / "langgraph.json").read_text())
    module, _, name = spec["graphs"]["operator"].removeprefix("./").partition(":")
    graph = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), name)()
    assert {"supervisor", "targeting_analyst", "approvals_inbox", "refusal", "assistant_help"} <= set(graph.nodes)
