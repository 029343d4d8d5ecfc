"""Shared helpers of the negotiation tests: a fixed clock, deals, scripted models, audit reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from skills.negotiation.coach import NegotiationCoach
from skills.negotiation.models import DealContext, ReplySections
from skills.negotiation.negotiator import Negotiator
from tools.pii import PiiMasker

TENANT = "acme"
# Thursday 19 November 2026, 10:00 in Riyadh: the next business day is Sunday the 22nd.
THURSDAY_10_RIYADH = datetime(2026, 11, 19, 7, 0, tzinfo=UTC)
MASKER = PiiMasker(b"k" * 32)

WHATSAPP_DEAL = DealContext(deal_id="deal-1", company_name="شركة النخبة", contact_name="سارة", channel="whatsapp",
                            phone="+966501234567")
EMAIL_DEAL = DealContext(deal_id="deal-2", company_name="شركة النخبة", contact_name="سارة", channel="email",
                         email="sara@nukhba.sa")

GOOD_SECTIONS = ReplySections(
    acknowledge="شكراً لصراحتكم، ونتفهم حرصكم على جدوى أي التزام.",
    scope_question="ما الجزء الذي يهمكم أولاً؟",
    pilot_offer="نقترح تجربة محدودة على نطاق صغير.",
    proof_link="نتفق على مؤشرات نقيسها، ويُبنى التسعير على نتائج التجربة.",
    next_step="هل يناسبكم اتصال قصير يوم {date}؟",
)


def fixed(moment: datetime = THURSDAY_10_RIYADH) -> Callable[[], datetime]:
    return lambda: moment


def is_weekend(day: date) -> bool:
    return day.weekday() in (4, 5)  # Friday, Saturday


def scripted_model(answers: list[dict[str, str]], calls: list[list[ModelMessage]]) -> FunctionModel:
    """A model that answers with the given sections in turn (the last one repeats) and records each request.

    ``{date}`` in an answer is replaced by the proposed date the brief gave the model.
    """
    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(messages)
        sections = answers[min(len(calls), len(answers)) - 1]
        proposed = brief_facts(messages)["proposed_date"]
        args = {name: value.replace("{date}", proposed) for name, value in sections.items()}
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)], model_name="scripted")

    return FunctionModel(answer, model_name="scripted")


def prompt_text(messages: list[ModelMessage]) -> str:
    return "\n".join(str(getattr(part, "content", "")) for message in messages for part in message.parts)


def brief_facts(messages: list[ModelMessage]) -> dict[str, Any]:
    text = prompt_text(messages)
    start = text.index("<negotiation_facts>") + len("<negotiation_facts>")
    return dict(json.loads(text[start:text.index("</negotiation_facts>")]))


def model_coach(model: FunctionModel, *, gateway: Any = None) -> NegotiationCoach:
    negotiator = Negotiator(model=model, model_label="scripted", offline=False, masker=MASKER)
    return NegotiationCoach(negotiator=negotiator, tenant=TENANT, gateway=gateway, clock=fixed())


def audit_rows(gateway: Any, action: str) -> list[dict[str, Any]]:
    return [e.model_dump() for e in gateway.audit.events(tenant=TENANT, limit=500) if e.action == action]


def outbox_files(outbox: Path) -> Iterator[Path]:
    return (p for p in sorted(outbox.glob("*")) if p.is_file())
