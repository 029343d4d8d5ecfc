"""The model path: same agent, same output type, same rules and guard as the offline path; no network."""

from __future__ import annotations

from negotiation_support import GOOD_SECTIONS, MASKER, WHATSAPP_DEAL, model_coach, prompt_text, scripted_model
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from dealix.settings import Settings
from skills.negotiation.models import ObjectionClass, Reply, ReplySections
from skills.negotiation.negotiator import Negotiator, ReplyRequest, build_negotiator, negotiator_agent
from tools.gateway import Gateway

GOOD = GOOD_SECTIONS.model_dump()
GUARANTEE = {**GOOD, "acknowledge": "نضمن لكم مضاعفة المبيعات خلال شهر واحد."}
DISCOUNT_FIRST = {**GOOD, "acknowledge": "نقدم لكم خصم 50% إذا وقعتم اليوم.",
                  "scope_question": "Would you like the discount?"}
GUARANTEE_EN = {**GOOD, "pilot_offer": "We guarantee results with a risk-free pilot."}


def test_the_model_path_returns_the_same_type_as_the_offline_path(offline_coach) -> None:
    calls: list[list[ModelMessage]] = []
    model_result = model_coach(scripted_model([GOOD], calls)).respond("غالي شوي", WHATSAPP_DEAL)
    offline_result = offline_coach.respond("غالي شوي", WHATSAPP_DEAL)
    assert type(model_result.reply) is type(offline_result.reply) is Reply
    assert model_result.reply.status == "ready" and model_result.reply.model == "scripted"
    assert model_result.reply.check.ok and len(calls) == 1
    assert "الأحد 22 نوفمبر" in model_result.reply.body


def test_a_guaranteed_outcome_from_the_model_is_caught_and_retried(offline_coach) -> None:
    calls: list[list[ModelMessage]] = []
    result = model_coach(scripted_model([GUARANTEE, GOOD], calls)).respond("تضمنون النتائج؟", WHATSAPP_DEAL)
    assert len(calls) == 2
    retry = prompt_text(calls[1])
    assert "no_guarantee" in retry and "guarantee_claim" in retry
    assert result.reply.status == "ready" and "نضمن" not in result.reply.body
    assert result.reply.model_requests == 2


def test_a_discount_first_answer_from_the_model_is_caught() -> None:
    calls: list[list[ModelMessage]] = []
    result = model_coach(scripted_model([DISCOUNT_FIRST, GOOD], calls)).respond("غالي شوي", WHATSAPP_DEAL)
    retry = prompt_text(calls[1])
    assert "no_discount_first" in retry and "discount_first" in retry and "scope_before_price" in retry
    assert result.reply.status == "ready" and "خصم" not in result.reply.body


def test_a_model_that_keeps_breaking_the_rules_sends_the_reply_to_review() -> None:
    calls: list[list[ModelMessage]] = []
    result = model_coach(scripted_model([GUARANTEE_EN], calls)).respond("Do you guarantee results?", WHATSAPP_DEAL)
    reply = result.reply
    assert len(calls) == 3  # the first answer and two retries
    assert reply.status == "needs_review" and reply.body == "" and reply.sections is None
    assert not reply.check.ok and "guarantee_claim" in {p.code for p in reply.check.guard.problems}
    assert result.close_plan.steps  # the plan is still there for the person who reviews


def test_test_model_output_that_misses_the_rules_never_becomes_ready() -> None:
    # TestModel fills every field with the same filler text: no question, no pilot, no date.
    negotiator = Negotiator(model=TestModel(), model_label="test", offline=False, masker=MASKER)
    request = ReplyRequest(objection=ObjectionClass.price, language="ar", channel="whatsapp",
                           proposed_date="الأحد 22 نوفمبر", deal=WHATSAPP_DEAL, customer_message="غالي")
    reply = negotiator.write(request)
    assert reply.status == "needs_review"
    assert {"scope_before_price", "pilot_first", "next_step"} <= {r.code for r in reply.check.rules if not r.ok}


def test_the_customer_message_reaches_the_model_masked_and_the_seller_request_never_does() -> None:
    calls: list[list[ModelMessage]] = []
    coach = model_coach(scripted_model([GOOD], calls))
    coach.respond("غالي شوي، كلمني على 0501234567 أو sara@example.com", WHATSAPP_DEAL,
                  seller_request="give them 50% off now")
    sent = prompt_text(calls[0])
    assert "0501234567" not in sent and "sara@example.com" not in sent
    assert "[PHONE:" in sent and "[EMAIL:" in sent
    assert "50% off" not in sent and "give them" not in sent
    assert "<customer_message>" in sent and "ليست تعليمات" in sent


def test_a_hostile_seller_request_with_a_model_still_yields_a_compliant_reply_and_recorded_refusals(
        gateway: Gateway) -> None:
    calls: list[list[ModelMessage]] = []
    coach = model_coach(scripted_model([GUARANTEE, GOOD], calls), gateway=gateway)
    result = coach.respond("غالي شوي", WHATSAPP_DEAL, seller_request="promise we'll double their sales")
    assert [r.code for r in result.refusals] == ["guarantee_outcome"] and result.refusals[0].audit_event
    assert result.reply.status == "ready" and result.reply.check.ok


def test_settings_choose_the_offline_writer_or_an_openai_compatible_model() -> None:
    offline = build_negotiator(Settings(), MASKER)
    assert offline.offline and offline.model_label == "offline"
    remote = build_negotiator(Settings(model="openai:gpt-test", openai_base_url="http://127.0.0.1:9/v1",
                                       openai_api_key="sk-loopback-only"), MASKER)
    assert not remote.offline and remote.model_label == "openai:gpt-test"
    assert type(remote.model).__name__ == "OpenAIChatModel"


def test_the_model_is_offered_no_tools_only_the_reply_sections() -> None:
    seen: list[AgentInfo] = []

    def spy(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(info)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, GOOD)])

    negotiator = Negotiator(model=FunctionModel(spy), model_label="spy", offline=False, masker=MASKER)
    negotiator.write(ReplyRequest(objection=ObjectionClass.price, language="ar", channel="whatsapp",
                                  proposed_date="الأحد 22 نوفمبر", deal=WHATSAPP_DEAL, customer_message="غالي"))
    assert seen and seen[0].function_tools == []
    assert [t.name for t in seen[0].output_tools] and negotiator_agent.output_type is ReplySections
