"""The operator chat graph: one conversation thread; a supervisor reads each request into steps.

    START ─▶ supervisor ─▶ the first step's skill ─▶ the next step's skill ─▶ ... ─▶ END
      skills: targeting_analyst ........... top targets and their drafts; a draft for one named lead
              approvals_inbox ............. what waits for my approval (numbered); "approve 2", "ارفض ١"
              negotiation_coach ........... a reply to an objection; that reply as a draft awaiting approval
              proof_pack_builder .......... the proof pack
              partner_strategist .......... partner suggestions
              customer_success_operator ... support tickets, SLA breaches, a reply to an inbound message
              operator_desk ............... status of the day, invoice and meeting drafts, CRM update,
                                            export, deals, opt-in/opt-out, what was refused, policy, content
              refusal ..................... a forbidden act, sent to the gateway as that act and refused
              assistant_help .............. what I can do (also for unclear requests)

The supervisor reads the request with the offline understanding (``skills.operator.understand``):
"Rank my top 10 and WhatsApp them" is two steps, a ranking served and a ``whatsapp.send`` refused
by the gateway with its own reason. Only a request it cannot read goes to the model, when one is
configured (``skills.operator.model_router``), else to the classifier; refusals never depend on a
model. Each skill node serves its step, streams what happens (``get_stream_writer``: tool calls,
approval requests, text), adds its reply to ``messages`` and routes to the next step's skill.
Dependencies arrive per run in :class:`OperatorContext`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_config, get_stream_writer
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import TypedDict

from graphs import operator_negotiation
from graphs.inbox import decide_approval
from skills.operator import handlers
from skills.operator.classifier import classify
from skills.operator.context import OperatorContext, Turn
from skills.operator.desk import HANDLERS as DESK_HANDLERS
from skills.operator.events import TextEvent, ThreadEvent
from skills.operator.intents import Intent, load_intents
from skills.operator.labels import label
from skills.operator.replies import say
from skills.operator.understand import understand
from skills.run_context import OperatorRunContext, bound
from tools.errors import GatewayError
from tools.saudi_time import RIYADH

SkillNode = Literal["targeting_analyst", "approvals_inbox", "negotiation_coach", "proof_pack_builder",
                    "partner_strategist", "customer_success_operator", "operator_desk", "refusal", "assistant_help"]

NODE_OF_INTENT: dict[str, SkillNode] = {
    "targeting_rank": "targeting_analyst",
    "draft_lead": "targeting_analyst",
    "pending_approvals": "approvals_inbox",
    "approval_decide": "approvals_inbox",
    "negotiation_respond": "negotiation_coach",
    "negotiation_draft": "negotiation_coach",
    "proof_pack": "proof_pack_builder",
    "partners": "partner_strategist",
    "support": "customer_success_operator",
    "sla_breaches": "customer_success_operator",
    "inbound_reply": "customer_success_operator",
    "refusal": "refusal",
    "help": "assistant_help",
    "unknown": "assistant_help",
    **{name: "operator_desk" for name in DESK_HANDLERS if name != "refusal"},
}


class OperatorState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    route: dict[str, Any]  # the first step's Intent, as JSON (what the turn was mostly about)
    plan: list[dict[str, Any]]  # every step of the last request, in order (Intent as JSON)
    step: int  # the step the next skill node serves
    listing: list[str]  # the approval ids last listed in this thread, in the order shown ("approve 2")


def plan_request(text: str, ctx: OperatorContext) -> list[Intent]:
    """Every step of a request: forbidden acts (refused as themselves) and the asks to serve, in order.

    The offline understanding reads the request first, always, so refusals never depend on a model;
    a configured model only routes what the understanding could not read (else the classifier does).
    """
    today = ctx.clock().astimezone(RIYADH).date()
    read = understand(text, today=today)
    catalog = load_intents().intents
    steps = [Intent(intent=s.intent, skill=catalog[s.intent].skill if s.intent in catalog else None, confidence=1.0,
                    via="refusal" if s.kind == "refuse" else "understanding", lang=read.lang, text=text,
                    refusal=s.act, action=s.action, slots=s.slots, top_n=s.slots.top_n, period=s.slots.period)
             for s in read.steps]
    if steps:
        return steps
    fallback = classify(text)
    if fallback.intent == "unknown" and ctx.router is not None:
        return [ctx.router.route(text) or fallback]
    return [fallback]


def route_request(text: str, ctx: OperatorContext) -> Intent:
    """The first step of a request (kept for callers that route a request to one skill)."""
    return plan_request(text, ctx)[0]


def _last_request(state: OperatorState) -> str:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def supervisor(state: OperatorState, runtime: Runtime[Any]) -> Command[SkillNode]:
    """Read the latest request into its steps and send the first one to its skill."""
    plan = plan_request(_last_request(state), bound(runtime, OperatorContext))
    return Command(goto=NODE_OF_INTENT.get(plan[0].intent, "assistant_help"),
                   update={"route": plan[0].model_dump(mode="json"),
                           "plan": [p.model_dump(mode="json") for p in plan], "step": 0})


def _answer(handler: handlers.Handler, state: OperatorState,
            runtime: Runtime[Any]) -> Command[SkillNode | Literal["__end__"]]:
    plan = state.get("plan") or [state["route"]]
    index = state.get("step", 0)
    intent = Intent.model_validate(plan[index])
    writer = get_stream_writer()

    def emit(event: ThreadEvent) -> None:
        writer(event.model_dump(mode="json"))

    turn_no = sum(1 for m in state.get("messages") or [] if isinstance(m, HumanMessage))
    turn = Turn(thread_id=str(get_config()["configurable"]["thread_id"]), index=turn_no, step=index)
    try:
        reply = handler(bound(runtime, OperatorContext), intent, emit, turn)
    except GatewayError as exc:
        reply = say("skill.failed", intent.lang, reason=exc.message_en if intent.lang == "en" else exc.message_ar)
    if index:
        emit(TextEvent(text="\n\n"))
    for line in reply.splitlines(keepends=True):
        emit(TextEvent(text=line))
    following = index + 1
    goto: SkillNode | Literal["__end__"] = "__end__"
    if following < len(plan):
        goto = NODE_OF_INTENT.get(str(plan[following]["intent"]), "assistant_help")
    return Command(goto=goto, update={"messages": [AIMessage(content=reply)], "step": following})


def _by_intent(table: dict[str, handlers.Handler], fallback: handlers.Handler) -> handlers.Handler:
    def handle(ctx: OperatorContext, intent: Intent, emit: handlers.Emit, turn: Turn) -> str:
        return table.get(intent.intent, fallback)(ctx, intent, emit, turn)

    return handle


Next = Command[SkillNode | Literal["__end__"]]


def targeting_analyst(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """Today's top targets and one autopilot run that drafts for them; or a draft for one named lead."""
    return _answer(_by_intent({"draft_lead": handlers.draft_for_lead}, handlers.rank_targets), state, runtime)


def approvals_inbox(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """What waits for the caller's approval (numbered), or the caller's answer to one by its number.

    The numbers are those of the list last shown in this conversation, so "approve 1" then "reject 2"
    answer the first and second items shown, not whatever moved up after the first decision."""
    listing = list(state.get("listing") or [])

    def decide(ctx: OperatorContext, intent: Intent, emit: handlers.Emit, turn: Turn) -> str:
        return decide_by_number(ctx, intent, emit, turn, listing)

    command = _answer(_by_intent({"approval_decide": decide}, handlers.pending_approvals), state, runtime)
    plan = state.get("plan") or [state["route"]]
    if plan[state.get("step", 0)]["intent"] == "pending_approvals":
        mine = handlers.my_pending(bound(runtime, OperatorContext))
        shown = [a.approval_id for a in mine[:handlers.MAX_APPROVALS_SHOWN]]
        update = dict(command.update) if isinstance(command.update, dict) else {}
        return Command(goto=command.goto, update={**update, "listing": shown})
    return command


def negotiation_coach(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """A reply to an objection; or that reply as a draft through the negotiation graph (graphs.operator_negotiation)."""
    earlier = operator_negotiation.earlier_requests(state.get("messages") or [])

    def draft(ctx: OperatorContext, intent: Intent, emit: handlers.Emit, turn: Turn) -> str:
        return operator_negotiation.draft_reply(ctx, intent, emit, turn, earlier)

    return _answer(_by_intent({"negotiation_draft": draft}, handlers.external_skill), state, runtime)


def proof_pack_builder(state: OperatorState, runtime: Runtime[Any]) -> Next:
    return _answer(handlers.external_skill, state, runtime)


def partner_strategist(state: OperatorState, runtime: Runtime[Any]) -> Next:
    return _answer(handlers.external_skill, state, runtime)


def customer_success_operator(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """Open tickets, SLA breaches, or a reply draft to a customer who wrote first."""
    table = {"sla_breaches": DESK_HANDLERS["sla_breaches"], "inbound_reply": handlers.inbound_reply}
    return _answer(_by_intent(table, handlers.external_skill), state, runtime)


def operator_desk(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """The day's status, invoice/meeting drafts, CRM update, export, deals, consent, refusals report, policy."""
    return _answer(_by_intent(DESK_HANDLERS, handlers.help_reply), state, runtime)


def refusal(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """A forbidden act, sent to the gateway as that act: refused with its own reason, in the request's language."""
    return _answer(DESK_HANDLERS["refusal"], state, runtime)


def assistant_help(state: OperatorState, runtime: Runtime[Any]) -> Next:
    """What the operator can ask for (only capabilities that exist)."""
    return _answer(handlers.help_reply, state, runtime)


def decide_by_number(ctx: OperatorContext, intent: Intent, emit: handlers.Emit, turn: Turn,
                     listing: list[str] | None = None) -> str:
    """'Approve 2' / 'ارفض ١': the Nth approval of the list last shown (else of the caller's pending ones),
    answered through the inbox's own decision (role, tenant, resume of the waiting graph, execution)."""
    lang, number = intent.lang, intent.slots.number or 0
    mine = handlers.my_pending(ctx)
    ids = listing or [a.approval_id for a in mine]
    if not 1 <= number <= len(ids):
        return say("decide.no_such", lang, number=number, count=len(mine))
    approval = ctx.gateway.get_approval(ids[number - 1], ctx.tenant)
    verdict = intent.slots.verdict or "approve"
    what = label("actions", approval.action_request.action, lang)
    try:
        decide_approval(settings=ctx.settings, gateway=ctx.gateway, checkpointer=ctx.checkpointer, caller=ctx.caller,
                        approval_id=approval.approval_id, verdict=verdict, reason=intent.slots.reason,
                        clock=ctx.clock)
    except GatewayError as exc:
        return say("decide.failed", lang, number=number, reason=exc.message_ar if lang == "ar" else exc.message_en)
    words = {("approve", "ar"): "اعتمدتُ", ("reject", "ar"): "رفضتُ", ("approve", "en"): "Approved",
             ("reject", "en"): "Rejected"}
    return say("decide.done", lang, verdict=words[(verdict, lang)], number=number,
               label=what)


_SKILL_NODES = (targeting_analyst, approvals_inbox, negotiation_coach, proof_pack_builder, partner_strategist,
                customer_success_operator, operator_desk, refusal, assistant_help)


def build_operator_graph(checkpointer: BaseCheckpointSaver[Any] | None = None
                         ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The operator chat, compiled with ``checkpointer`` (LangGraph's server supplies its own when None)."""
    graph = StateGraph(OperatorState, context_schema=OperatorRunContext)
    graph.add_node("supervisor", supervisor)
    for node in _SKILL_NODES:
        graph.add_node(node.__name__, node)  # each routes itself: to the next step's skill, or to the end
    graph.add_edge(START, "supervisor")
    return graph.compile(checkpointer=checkpointer, name="operator")

