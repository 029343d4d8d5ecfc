"""Running the operator chat: one turn streamed as events, and a thread's messages read back.

The API (server-sent events), the console and tests call these. Each works from a fresh
process: the conversation lives in the checkpointer, the approvals it created in the gateway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel, ConfigDict, Field

from graphs.checkpoint import thread_config
from graphs.operator import build_operator_graph
from graphs.operator_context import OperatorContext
from skills.operator.events import THREAD_EVENT, DoneEvent, RouteEvent, ThreadEvent
from tools.errors import GatewayError

MAX_MESSAGE_CHARS = 4000


class MessageTooLong(GatewayError):
    code = "message_too_long"


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    text: str = Field(description="Plain text.")


def stream_turn(ctx: OperatorContext, thread_id: str, text: str) -> Iterator[ThreadEvent]:
    """Run one request through the operator graph, yielding events as they happen.

    LangGraph stream modes: ``updates`` gives the supervisor's route as soon as it is decided;
    ``custom`` gives what the skill nodes write (tool calls, approval requests, text).
    """
    text = text.strip()
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageTooLong(f"الرسالة أطول من الحد المسموح ({MAX_MESSAGE_CHARS} حرف).",
                             f"The message is longer than {MAX_MESSAGE_CHARS} characters.")
    config = thread_config(thread_id, tenant=ctx.tenant)
    ctx.threads.get(thread_id, ctx.tenant)  # NotFound for another tenant's (or an unknown) thread
    graph = build_operator_graph(ctx.checkpointer)
    intent: str | None = None
    for mode, chunk in graph.stream({"messages": [HumanMessage(content=text)]}, config, context=ctx,
                                    stream_mode=["updates", "custom"]):
        if mode == "updates":
            route = (chunk.get("supervisor") or {}).get("route") if isinstance(chunk, dict) else None
            if route:
                intent = route["intent"]
                yield RouteEvent(intent=route["intent"], skill=route.get("skill"), via=route["via"],
                                 confidence=route["confidence"], lang=route["lang"])
        elif mode == "custom":
            yield THREAD_EVENT.validate_python(chunk)
    ctx.threads.touch(thread_id, ctx.tenant, ctx.clock(), title=_title(ctx, thread_id, text))
    yield DoneEvent(thread_id=thread_id, intent=intent)


def _title(ctx: OperatorContext, thread_id: str, text: str) -> str | None:
    info = ctx.threads.get(thread_id, ctx.tenant)
    return text[:60] if not info.title else None  # an untitled conversation takes its first request


def thread_messages(ctx: OperatorContext, thread_id: str) -> list[ChatMessage]:
    config = thread_config(thread_id, tenant=ctx.tenant)
    ctx.threads.get(thread_id, ctx.tenant)
    values: dict[str, Any] = dict(build_operator_graph(ctx.checkpointer).get_state(config).values)
    out: list[ChatMessage] = []
    for message in values.get("messages") or []:
        if isinstance(message, HumanMessage):
            out.append(ChatMessage(role="user", text=str(message.content)))
        elif isinstance(message, AIMessage):
            out.append(ChatMessage(role="assistant", text=str(message.content)))
    return out


