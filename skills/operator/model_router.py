"""The model path of the operator's routing: with a model configured, the model chooses the skill by
tool calling — one output tool per intent of the same catalogue the offline classifier uses.

The tool call only *names* the skill and its slots; the skill itself then runs through the gateway
like any other (its internal action is decided, recorded and bounded by least privilege). Refusals
never reach the model: the supervisor checks them first. When the model fails or cannot decide,
the supervisor falls back to the classifier.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field, create_model
from pydantic_ai import Agent, ToolOutput
from pydantic_ai.models import Model

from prompts import get_prompt
from skills.operator.classifier import detect_lang
from skills.operator.intents import Intent, IntentCatalog, Period, load_intents

log = logging.getLogger("dealix.operator")


class RouteSlots(BaseModel):
    top_n: int | None = Field(default=None, ge=1, le=100, description="How many targets, when the request says.")
    period: Period | None = Field(default=None, description="today, week or month, when the request says.")


def _tool_models(catalog: IntentCatalog) -> dict[str, type[RouteSlots]]:
    return {name: create_model(name, __base__=RouteSlots) for name in catalog.intents}


class ModelRouter:
    def __init__(self, model: Model, *, catalog: IntentCatalog | None = None) -> None:
        self._catalog = catalog or load_intents()
        self._types = _tool_models(self._catalog)
        outputs = [ToolOutput(cls, name=name, description=self._catalog.intents[name].label_en)
                   for name, cls in self._types.items()]
        lines = "\n".join(f"- {name}: {spec.label_en} / {spec.label_ar}"
                          for name, spec in self._catalog.intents.items())
        self._agent: Agent[None, RouteSlots] = Agent(
            model, output_type=outputs,
            instructions=get_prompt("operator.router.instructions").render(intents=lines))

    def route(self, text: str) -> Intent | None:
        try:
            output = self._agent.run_sync(text).output
        except Exception as exc:  # any model failure falls back to the offline classifier
            log.warning("router model failed (%s); using the classifier", type(exc).__name__)
            return None
        name = next((n for n, cls in self._types.items() if type(output) is cls), None)
        if name is None:
            return None
        return Intent(intent=name, skill=self._catalog.intents[name].skill, confidence=1.0, via="model",
                      lang=detect_lang(text), top_n=output.top_n, period=output.period, text=text)
