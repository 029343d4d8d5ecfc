"""The run-scoped dependencies of an operator chat turn: passed as ``context=``, never kept in state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from langgraph.checkpoint.base import BaseCheckpointSaver

from graphs.threads import ThreadBook
from skills.operator.intents import Intent
from tools.gateway import Gateway
from tools.models import Caller
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation: the thread and the turn's number in it (1 for the first request)."""

    thread_id: str
    index: int

    def call_id(self, name: str) -> str:
        return f"turn{self.index}:{name}"


class IntentRouter(Protocol):
    """Chooses the intent of a request (the model path); None means 'could not decide'."""

    def route(self, text: str) -> Intent | None: ...


@dataclass(frozen=True)
class OperatorContext:
    """What every node of the operator graph may use.

    ``caller`` is the authenticated person chatting (from the API's auth or the CLI), never read
    from a message. ``checkpointer`` is where the autopilot runs a skill starts keep their threads.
    """

    tenant: str
    caller: Caller
    settings: Settings
    gateway: Gateway
    threads: ThreadBook
    checkpointer: BaseCheckpointSaver[Any]
    clock: Clock = system_clock
    router: IntentRouter | None = None
