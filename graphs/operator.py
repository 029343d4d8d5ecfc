"""The operator chat graph: one conversation thread; a supervisor routes each request to a skill.

    START ─▶ supervisor ─┬─▶ targeting_analyst ........... today's top targets, drafts for approval
                         ├─▶ approvals_inbox ............. what waits for my approval
                         ├─▶ negotiation_coach ........... a reply to an objection      ┐ when their
                         ├─▶ proof_pack_builder .......... this week's proof pack      │ modules exist;
                         ├─▶ partner_strategist .......... partner suggestions         │ otherwise "not
                         ├─▶ customer_success_operator ... support tickets             ┘ available yet"
                         ├─▶ refusal ..................... never done: reason in Arabic, attempt audited
                         └─▶ assistant_help .............. what I can do (also for unclear requests)
                                                   every skill node ─▶ END

The supervisor checks refusals first (patterns, whatever routes the rest); then the offline
intent classifier decides, or, with a model configured, the model by tool calling
(``skills.operator.model_router``), falling back to the classifier when it cannot decide.
Skill nodes stream what happens (``get_stream_writer``: tool calls, approval requests, text) and
add the reply to ``messages``. Dependencies arrive per run in :class:`OperatorContext`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_config, get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from graphs.operator_context import OperatorContext, Turn
from graphs.operator_events import TextEvent, ThreadEvent
from skills.operator import handlers
from skills.operator.classifier import classify
from skills.operator.intents import Intent
from skills.operator.replies import say
from tools.errors import GatewayError

SkillNode = Literal["targeting_analyst", "approvals_inbox", "negotiation_coach", "proof_pack_builder",
                    "partner_strategist", "customer_success_operator", "refusal", "assistant_help"]

NODE_OF_INTENT: dict[str, SkillNode] = {
    "targeting_rank": "targeting_analyst",
    "pending_approvals": "approvals_inbox",
    "negotiation_respond": "negotiation_coach",
    "proof_pack": "proof_pack_builder",
    "partners": "partner_strategist",
    "support": "customer_success_operator",
    "refusal": "refusal",
    "help": "assistant_help",
    "unknown": "assistant_help",
}


class OperatorState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    route: dict[str, Any]  # the last request's Intent, as JSON


def route_request(text: str, ctx: OperatorContext) -> Intent:
    """Refusals first, always; then the model when configured, else (or when it cannot decide) the classifier."""
    intent = classify(text)
    if intent.intent == "refusal" or ctx.router is None:
        return intent
    return ctx.router.route(text) or intent


def _last_request(state: OperatorState) -> str:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def supervisor(state: OperatorState, runtime: Runtime[OperatorContext]) -> Command[SkillNode]:
    """Read the latest request and route it."""
    intent = route_request(_last_request(state), runtime.context)
    return Command(goto=NODE_OF_INTENT.get(intent.intent, "assistant_help"),
                   update={"route": intent.model_dump(mode="json")})


def _answer(handler: handlers.Handler, state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    intent = Intent.model_validate(state["route"])
    writer = get_stream_writer()

    def emit(event: ThreadEvent) -> None:
        writer(event.model_dump(mode="json"))

    index = sum(1 for m in state.get("messages") or [] if isinstance(m, HumanMessage))
    turn = Turn(thread_id=str(get_config()["configurable"]["thread_id"]), index=index)
    try:
        reply = handler(runtime.context, intent, emit, turn)
    except GatewayError as exc:
        reply = say("skill.failed", intent.lang, reason=exc.message_en if intent.lang == "en" else exc.message_ar)
    for line in reply.splitlines(keepends=True):
        emit(TextEvent(text=line))
    return {"messages": [AIMessage(content=reply)]}


def targeting_analyst(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    """Today's top targets, and one autopilot run that drafts for them (each draft awaits approval)."""
    return _answer(handlers.rank_targets, state, runtime)


def approvals_inbox(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    """What waits for the caller's approval (their tenant, their role)."""
    return _answer(handlers.pending_approvals, state, runtime)


def negotiation_coach(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    return _answer(handlers.external_skill, state, runtime)


def proof_pack_builder(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    return _answer(handlers.external_skill, state, runtime)


def partner_strategist(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    return _answer(handlers.external_skill, state, runtime)


def customer_success_operator(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    return _answer(handlers.external_skill, state, runtime)


def refusal(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    """A request Dealix never carries out: the reason in Arabic; the attempt is recorded."""
    return _answer(handlers.refuse, state, runtime)


def assistant_help(state: OperatorState, runtime: Runtime[OperatorContext]) -> dict[str, Any]:
    """What the operator can ask for (only capabilities that exist)."""
    return _answer(handlers.help_reply, state, runtime)


_SKILL_NODES = (targeting_analyst, approvals_inbox, negotiation_coach, proof_pack_builder, partner_strategist,
                customer_success_operator, refusal, assistant_help)


def build_operator_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                         ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The operator chat, compiled with ``checkpointer`` (LangGraph's server supplies its own when None)."""
    graph = StateGraph(OperatorState, context_schema=OperatorContext)
    graph.add_node("supervisor", supervisor)
    for node in _SKILL_NODES:
        graph.add_node(node.__name__, node)
        graph.add_edge(node.__name__, END)
    graph.add_edge(START, "supervisor")
    return graph.compile(checkpointer=checkpointer, name="operator")


def studio_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """For ``langgraph.json`` (Studio): the server brings the checkpointer; a run passes an OperatorContext."""
    return build_operator_graph()
