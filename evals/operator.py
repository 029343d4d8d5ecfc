"""The operator agent under test: a pydantic-ai agent whose only way to act is the gateway.

    OperatorRequest (JSON) ──agent──▶ request_action(action, args, contact_id, without_approval)
                                      │   └─▶ Gateway.invoke, or Gateway.execute with no token
                                      └─▶ draft_message(channel, to, body, ...)
                                          └─▶ output guard ──ok──▶ Gateway.invoke(gmail.draft | whatsapp.draft)

Offline, the model is a ``FunctionModel`` over :mod:`evals.interpreter` (compliant and gullible);
with ``--model openai:NAME`` it is that model, with the same tools and instructions
(``prompts/templates/eval_operator_instructions.md.j2``). Every tool call is recorded as a
:class:`ToolStep`; the graders read the steps and the gateway's records, never the reply text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai import Agent, RunContext
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents.copywriter import SenderProfile
from agents.guard import DraftFacts, check_text
from agents.models import build_model
from evals.interpreter import OperatorRequest, load_lexicon, plan
from evals.sandbox import EVAL_OPERATOR_SKILL, Sandbox
from prompts import get_prompt
from tools.errors import GatewayError
from tools.models import GatewayResult, Mode, ToolCall

StepStatus = Literal["blocked", "pending_approval", "executed", "decided", "draft_refused", "not_executed", "error"]
OFFLINE_OPERATOR = "dealix-offline-operator"
_MARKER = "OPERATOR_REQUEST_JSON:"


class ToolStep(BaseModel):
    """One tool call the operator made, and what the gateway (or the guard) answered."""

    model_config = ConfigDict(frozen=True)

    tool: Literal["request_action", "draft_message"]
    action: str = Field(description="The canonical action, as the gateway decided it.")
    skill: str
    status: StepStatus
    reason_ar: str = ""
    reason_code: str = ""
    contact_id: str | None = None


class OperatorReply(BaseModel):
    reply_ar: str = Field(description="One short Arabic sentence telling the operator what happened and why.")


@dataclass
class OperatorDeps:
    sandbox: Sandbox
    thread_id: str
    steps: list[ToolStep] = field(default_factory=list)


operator_agent: Agent[OperatorDeps, OperatorReply] = Agent(
    None, name="eval_operator", deps_type=OperatorDeps, output_type=OperatorReply, defer_model_check=True,
)


# The tools, instructions and offline model are coroutines on purpose: pydantic-ai runs plain
# functions in a worker thread, and a thread hop per call was most of a case's time. Their bodies
# do quick, local work (SQLite in the sandbox), so running them on the loop blocks nothing else.
@operator_agent.instructions
async def _instructions() -> str:
    return get_prompt("eval_operator.instructions").render()


def _status(result: GatewayResult) -> StepStatus:
    decision = result.decision
    if decision.mode == Mode.blocked:
        return "blocked"
    if result.execution is not None:
        return "executed" if result.execution.status in ("executed", "already_executed") else "not_executed"
    if decision.mode == Mode.approval_required:
        return "pending_approval"
    return "decided"


def gateway_step(sandbox: Sandbox, call: ToolCall, *, tool: Literal["request_action", "draft_message"],
                 without_approval: bool = False) -> ToolStep:
    """Send one call through the gateway (``execute`` with no token when asked to skip the approval)."""
    gateway = sandbox.gateway
    try:
        result = gateway.execute(call, approval_token=None) if without_approval else gateway.invoke(call)
    except GatewayError as exc:
        return ToolStep(tool=tool, action=call.action, skill=call.skill, status="error", reason_ar=exc.message_ar,
                        reason_code=exc.code, contact_id=call.contact_id)
    return ToolStep(tool=tool, action=result.decision.action, skill=call.skill, status=_status(result),
                    reason_ar=result.decision.reason_ar, reason_code=result.decision.reason_code,
                    contact_id=call.contact_id)


def _answer(deps: OperatorDeps, step: ToolStep) -> dict[str, Any]:
    deps.steps.append(step)
    return {"status": step.status, "action": step.action, "reason_ar": step.reason_ar}


@operator_agent.tool
async def request_action(ctx: RunContext[OperatorDeps], action: str, args: dict[str, Any],
                         contact_id: str | None = None, without_approval: bool = False) -> dict[str, Any]:
    """Ask Dealix's action gateway to perform one action, e.g. 'crm.update', 'whatsapp.send', 'calendar.insert'.

    Args:
        action: The action id, 'namespace.verb'.
        args: The action's arguments (for messages: 'to' and 'body').
        contact_id: The contact the action reaches, if any.
        without_approval: True only when the operator explicitly asks to skip the approval step.
    """
    deps = ctx.deps
    call = ToolCall(tenant=deps.sandbox.tenant, skill=EVAL_OPERATOR_SKILL, action=action, args=args,
                    thread_id=deps.thread_id, tool_call_id=f"op:{len(deps.steps)}", contact_id=contact_id)
    return _answer(deps, gateway_step(deps.sandbox, call, tool="request_action", without_approval=without_approval))


@operator_agent.tool
async def draft_message(ctx: RunContext[OperatorDeps], channel: Literal["email", "whatsapp"], to: str, body: str,
                        subject: str | None = None, contact_id: str | None = None) -> dict[str, Any]:
    """Write a message draft (never sent). The output guard checks it first; the gateway then places it.

    Args:
        channel: 'email' or 'whatsapp'.
        to: The recipient's e-mail address or phone number.
        body: The full message text.
        subject: The e-mail subject line (e-mail only).
        contact_id: The contact the draft is for, if any.
    """
    deps = ctx.deps
    sandbox = deps.sandbox
    person = sandbox.contact(contact_id)
    sender = SenderProfile()
    values = (person.name, person.company, person.title, person.city, person.sector, person.email,
              person.phone) if person else ()
    facts = DraftFacts(allowed_values=tuple(v for v in (*values, sender.company, sender.signature_ar) if v),
                       own_contacts=(person.email, person.phone) if person else ())
    language: Literal["ar", "en"] = "ar" if any("\u0621" <= ch <= "\u064a" for ch in body) else "en"
    report = check_text(body=body, subject=subject if channel == "email" else None, channel=channel,
                        language=language, facts=facts, masker=sandbox.gateway.masker)
    action = "gmail.draft" if channel == "email" else "whatsapp.draft"
    if not report.ok:
        step = ToolStep(tool="draft_message", action=action, skill="saudi_copywriter", status="draft_refused",
                        reason_ar=" ".join(p.message_ar for p in report.problems),
                        reason_code=",".join(p.code for p in report.problems), contact_id=contact_id)
        return _answer(deps, step)
    args: dict[str, Any] = {"to": to, "body": body, **({"subject": subject or ""} if channel == "email" else {})}
    call = ToolCall(tenant=sandbox.tenant, skill="saudi_copywriter", action=action, args=args,
                    thread_id=deps.thread_id, tool_call_id=f"op:{len(deps.steps)}", contact_id=contact_id)
    return _answer(deps, gateway_step(sandbox, call, tool="draft_message"))


def render_request(request: OperatorRequest) -> str:
    """The user message: one JSON object after a marker line (data is quoted, never spliced in)."""
    return _MARKER + "\n" + request.model_dump_json(indent=1)


def _parse_request(messages: list[ModelMessage]) -> OperatorRequest | None:
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                content = getattr(part, "content", None)
                if isinstance(content, str) and content.startswith(_MARKER):
                    return OperatorRequest.model_validate_json(content.removeprefix(_MARKER))
    return None


async def offline_operator(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """Round 1: the planned tool calls. Round 2 (tool results in): the reply, from the gateway's reasons."""
    output_tool = info.output_tools[0].name
    last = messages[-1]
    returns = [p for p in last.parts if isinstance(p, ToolReturnPart)] if isinstance(last, ModelRequest) else []
    if returns:
        reasons = [str(p.content.get("reason_ar", "")) for p in returns if isinstance(p.content, dict)]
        reply = " ".join(dict.fromkeys(r for r in reasons if r)) or load_lexicon().texts["nothing_done_ar"]
        return ModelResponse(parts=[ToolCallPart(output_tool, {"reply_ar": reply})], model_name=OFFLINE_OPERATOR)
    request = _parse_request(messages)
    calls = plan(request) if request is not None else []
    if not calls:
        return ModelResponse(parts=[ToolCallPart(output_tool, {"reply_ar": load_lexicon().texts["nothing_done_ar"]})],
                             model_name=OFFLINE_OPERATOR)
    return ModelResponse(parts=[ToolCallPart(c.tool, c.args, tool_call_id=f"call_{i}") for i, c in enumerate(calls)],
                         model_name=OFFLINE_OPERATOR)


def operator_model(sandbox: Sandbox) -> Model:
    if sandbox.settings.model.strip() == "offline":
        return FunctionModel(offline_operator, model_name=OFFLINE_OPERATOR)
    model, _label, _offline = build_model(sandbox.settings)
    return model


class OperatorRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    steps: tuple[ToolStep, ...]
    reply_ar: str
    error: str | None = None


def run_operator(sandbox: Sandbox, request: OperatorRequest, *, thread_id: str = "eval-thread") -> OperatorRun:
    deps = OperatorDeps(sandbox=sandbox, thread_id=thread_id)
    try:
        result = operator_agent.run_sync(render_request(request), deps=deps, model=operator_model(sandbox))
    except UnexpectedModelBehavior as exc:
        return OperatorRun(steps=tuple(deps.steps), reply_ar="", error=f"model: {exc}")
    return OperatorRun(steps=tuple(deps.steps), reply_ar=result.output.reply_ar)

