"""The model behind the agents, chosen by settings.

- ``offline`` (the default): a pydantic-ai ``FunctionModel`` that answers from the vetted templates
  in ``prompts/`` with deterministic rules, or from the closest approved example of the tenant when
  the brief carries one this lead can fill (never on a guard retry). Same agent code, same output
  types, no network.
- ``openai:MODEL``: any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama), from
  ``DEALIX_OPENAI_BASE_URL`` and ``DEALIX_OPENAI_API_KEY``.
"""

from __future__ import annotations

import json
import re

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents.copywriter import Copywriter, SenderProfile, message_template_id
from agents.example_text import ExampleText, reuse
from agents.examples import CopyExamples
from agents.tracing import Tracing
from dealix.settings import Settings
from prompts import get_prompt
from tools.errors import GatewayError
from tools.pii import PiiMasker

OFFLINE_MODEL_NAME = "dealix-offline"
_FACTS = re.compile(r"<lead_facts>\s*(\{.*?\})\s*</lead_facts>", re.DOTALL)
_EXAMPLES = re.compile(r"<approved_examples>\s*(\[.*?\])\s*</approved_examples>", re.DOTALL)


class ModelConfigError(GatewayError):
    code = "model_config_invalid"


def _last_brief(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in message.parts:
                content = part.content if isinstance(part, UserPromptPart) else None
                if isinstance(content, str) and "<lead_facts>" in content:
                    return content
    return ""


def offline_copy(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The offline copywriter: render the vetted template for the brief's channel and language."""
    match = _FACTS.search(_last_brief(messages))
    if match is None or not info.output_tools:
        return ModelResponse(parts=[TextPart("لا توجد بيانات كافية لكتابة المسودة.")], model_name=OFFLINE_MODEL_NAME)
    facts = json.loads(match.group(1))
    template = get_prompt(message_template_id(facts["channel"], facts["language"]))
    variables = {name: str(facts.get(name, "")) for name in template.meta.variables}
    args = {"subject": template.render_subject(**variables), "body": template.render(**variables)}
    shown = _EXAMPLES.search(_last_brief(messages))
    if shown is not None and not _retried(messages):
        used = reuse([ExampleText.model_validate(e) for e in json.loads(shown.group(1))], variables)
        if used is not None:
            args = {"subject": used[1] if facts["channel"] == "email" else None, "body": used[2]}
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)], model_name=OFFLINE_MODEL_NAME)


def _retried(messages: list[ModelMessage]) -> bool:
    """True once the model has answered before in this run: the guard sent the answer back."""
    return any(isinstance(m, ModelResponse) for m in messages)


def build_model(settings: Settings) -> tuple[Model, str, bool]:
    """(model, label recorded on drafts, whether it is the offline model)."""
    name = settings.model.strip()
    if name == "offline":
        return FunctionModel(offline_copy, model_name=OFFLINE_MODEL_NAME), "offline", True
    if name.startswith("openai:"):
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        model_name = name.removeprefix("openai:")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not model_name or not key:
            raise ModelConfigError("إعدادات النموذج غير مكتملة: يلزم اسم النموذج ومفتاح الوصول.",
                                   "DEALIX_MODEL=openai:NAME needs a model name and DEALIX_OPENAI_API_KEY.")
        provider = OpenAIProvider(base_url=settings.openai_base_url, api_key=key)
        return OpenAIChatModel(model_name, provider=provider), name, False
    raise ModelConfigError("قيمة DEALIX_MODEL غير معروفة؛ استخدم offline أو openai:اسم_النموذج.",
                           f"Unknown DEALIX_MODEL {name!r}: use 'offline' or 'openai:MODEL'.")


def build_copywriter(settings: Settings, masker: PiiMasker, *, tracing: Tracing | None = None,
                     sender: SenderProfile | None = None, examples: CopyExamples | None = None) -> Copywriter:
    model, label, offline = build_model(settings)
    return Copywriter(model=model, model_label=label, offline=offline, masker=masker,
                      sender=sender or SenderProfile(), tracing=tracing or Tracing.disabled(), examples=examples)
