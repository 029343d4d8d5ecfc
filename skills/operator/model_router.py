"""The model path of the operator's routing: with a model configured, the operator is a tool-calling
agent whose tools are the desk's intents (each described by the gateway action it runs) and the
forbidden acts (each named by its gateway action).

The tool call only *names* what to do and its slots; the step then runs through the same handlers
as the offline path: a served intent asks the gateway for its action (decided, recorded, bounded by
least privilege), and a forbidden act is sent to the gateway as that act and refused with its own
reason. The model is asked only about requests the offline understanding could not read, so a
refusal never depends on a model; when the model fails or cannot decide, the classifier answers.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic_ai import Agent, ToolOutput
from pydantic_ai.models import Model

from agents.thread_loop import ensure_thread_loop
from prompts import get_prompt
from skills.operator.classifier import detect_lang
from skills.operator.intents import Intent, Period, Slots
from skills.operator.labels import label
from skills.operator.understand import SERVED_INTENTS, acts

log = logging.getLogger("dealix.operator")


class RouteSlots(BaseModel):
    top_n: int | None = Field(default=None, ge=1, le=100, description="How many targets, when the request says.")
    period: Period | None = Field(default=None, description="today, week or month, when the request says.")
    target: str | None = Field(default=None, description="The person or company the request names, as written.")
    amount_sar: Decimal | None = Field(default=None, ge=0, description="An amount in riyals, when given.")
    number: int | None = Field(default=None, ge=1, description="The item number of an approval ('approve 2').")
    verdict: Literal["approve", "reject"] | None = Field(default=None, description="For an approval by number.")


class _Tool(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: str | None
    en: str


class _Tools(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    intents: dict[str, _Tool]


@lru_cache(maxsize=1)
def load_tools() -> _Tools:
    raw = resources.files("skills.operator").joinpath("data/tools.yaml").read_bytes()
    tools = _Tools.model_validate(yaml.safe_load(raw))
    missing = set(SERVED_INTENTS) - set(tools.intents)
    if missing:
        raise ValueError(f"tools.yaml lacks intents: {sorted(missing)}")
    return tools


def act_tool_name(action: str) -> str:
    return action.replace(".", "_")


class ModelRouter:
    def __init__(self, model: Model) -> None:
        tools = load_tools()
        self._types: dict[str, type[RouteSlots]] = {}
        outputs = []
        lines = []
        for name, tool in tools.intents.items():
            self._types[name] = create_model(name, __base__=RouteSlots)
            description = f"{tool.en} (gateway action: {tool.action})" if tool.action else tool.en
            outputs.append(ToolOutput(self._types[name], name=name, description=description))
            lines.append(f"- {name}: {description}")
        self._acts = {act_tool_name(act.action): act for act in acts()}
        for name, act in self._acts.items():
            if name in self._types:
                continue
            self._types[name] = create_model(name, __base__=RouteSlots)
            description = (f"{label('actions', act.action, 'en')} ({act.action}): a forbidden act; calling it sends "
                           "it to the gateway, which refuses it with its own reason and records the attempt.")
            outputs.append(ToolOutput(self._types[name], name=name, description=description))
            lines.append(f"- {name}: {description}")
        self._agent: Agent[None, RouteSlots] = Agent(
            model, output_type=outputs,
            instructions=get_prompt("operator.router.instructions").render(intents="\n".join(lines)))

    def route(self, text: str) -> Intent | None:
        try:
            ensure_thread_loop()
            output = self._agent.run_sync(text).output
        except Exception as exc:  # any model failure falls back to the offline classifier
            log.warning("router model failed (%s); using the classifier", type(exc).__name__)
            return None
        name = next((n for n, cls in self._types.items() if type(output) is cls), None)
        if name is None:
            return None
        slots = Slots(target=output.target, amount_sar=output.amount_sar, number=output.number,
                      verdict=output.verdict, top_n=output.top_n, period=output.period)
        act = self._acts.get(name)
        if act is not None:
            return Intent(intent="refusal", refusal=act.id, action=act.action, confidence=1.0, via="model",
                          lang=detect_lang(text), text=text, slots=slots)
        return Intent(intent=name, confidence=1.0, via="model", lang=detect_lang(text), top_n=output.top_n,
                      period=output.period, text=text, slots=slots)
