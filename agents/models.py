"""The model behind the agents, chosen by settings.

- ``offline`` (the default): a pydantic-ai ``FunctionModel`` that answers from the vetted templates
  in ``prompts/`` with deterministic rules, or from the closest approved example of the tenant when
  the brief carries one this lead can fill (never on a guard retry). Same agent code, same output
  types, no network.
- ``openai:MODEL``: any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama), from
  ``DEALIX_OPENAI_BASE_URL`` and ``DEALIX_OPENAI_API_KEY``. Its requests are retried with backoff by the
  transport (``agents/routing.py``).

Which of them serves a skill is the skill's route (``DEALIX_MODEL_ROUTES``, else ``DEALIX_MODEL``): the
primary, then its fallbacks, always ending with the offline model; :func:`build_routes` builds it.
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

from agents.call_records import ModelCallRecorder
from agents.copywriter import COPYWRITER_SKILL, Copywriter, SenderProfile, message_template_id
from agents.example_text import ExampleText, reuse
from agents.examples import CopyExamples
from agents.routing import OFFLINE, Route, Sleep, request_settings, retrying_http_client
from agents.tracing import Tracing
from prompts import get_prompt
from tools.errors import GatewayError
from tools.pii import PiiMasker
from tools.settings import ModelSkill, Settings

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


def build_model(settings: Settings, *, name: str | None = None,
                sleep: Sleep | None = None) -> tuple[Model, str, bool]:
    """(model, label recorded on drafts, whether it is the offline model) for ``name`` (default ``DEALIX_MODEL``).

    An OpenAI-compatible model gets a retrying HTTP client (``model_retry_attempts``, ``model_backoff_*``;
    ``sleep`` replaces the wait in tests) and makes one SDK attempt per transport try."""
    name = (settings.model if name is None else name).strip()
    if name == OFFLINE:
        return FunctionModel(offline_copy, model_name=OFFLINE_MODEL_NAME), OFFLINE, True
    if name.startswith("openai:"):
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        model_name = name.removeprefix("openai:")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not model_name or not key:
            raise ModelConfigError("إعدادات النموذج غير مكتملة: يلزم اسم النموذج ومفتاح الوصول.",
                                   "DEALIX_MODEL=openai:NAME needs a model name and DEALIX_OPENAI_API_KEY.")
        provider = OpenAIProvider(base_url=settings.openai_base_url, api_key=key,
                                  http_client=retrying_http_client(settings, sleep=sleep))
        return OpenAIChatModel(model_name, provider=provider, settings=request_settings(settings)), name, False
    raise ModelConfigError("قيمة DEALIX_MODEL غير معروفة؛ استخدم offline أو openai:اسم_النموذج.",
                           f"Unknown DEALIX_MODEL {name!r}: use 'offline' or 'openai:MODEL'.")


def build_routes(settings: Settings, skill: ModelSkill, offline: Model, *,
                 sleep: Sleep | None = None) -> tuple[Route, ...]:
    """The skill's chain, primary first and ``offline`` (the skill's own offline model) last."""
    if skill not in settings.model_routes:
        build_model(settings, name=settings.model, sleep=sleep)  # an unknown DEALIX_MODEL fails here, clearly
    routes: list[Route] = []
    for name in settings.model_route(skill).chain:
        if name == OFFLINE:
            routes.append(Route(OFFLINE, offline))
        else:
            model, label, _ = build_model(settings, name=name, sleep=sleep)
            routes.append(Route(label, model))
    return tuple(routes)


def build_copywriter(settings: Settings, masker: PiiMasker, *, tracing: Tracing | None = None,
                     sender: SenderProfile | None = None, examples: CopyExamples | None = None,
                     recorder: ModelCallRecorder | None = None, sleep: Sleep | None = None) -> Copywriter:
    offline = FunctionModel(offline_copy, model_name=OFFLINE_MODEL_NAME)
    primary, *fallbacks = build_routes(settings, COPYWRITER_SKILL, offline, sleep=sleep)
    return Copywriter(model=primary.model, model_label=primary.label, offline=primary.label == OFFLINE,
                      masker=masker, sender=sender or SenderProfile(), tracing=tracing or Tracing.disabled(),
                      examples=examples, fallbacks=tuple(fallbacks), recorder=recorder)
