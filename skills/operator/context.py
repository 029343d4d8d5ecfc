"""The run-scoped dependencies of an operator chat turn: passed as ``context=``, never kept in state.

The skill's handlers see :class:`OperatorContext`; what only the graphs layer can do (start the
autopilot as a graph thread of its own) is a method the graphs layer's subclass
(``graphs.operator_context.OperatorContext``) implements, so this skill imports no graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from langgraph.checkpoint.base import BaseCheckpointSaver

from skills.operator.intents import Intent
from skills.targeting.service import TargetingService
from tools.gateway import Gateway
from tools.models import ApprovalRequest, Caller
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation: the thread and the turn's number in it (1 for the first request)."""

    thread_id: str
    index: int
    step: int = 0  # the step of a request that asks for several things

    def call_id(self, name: str) -> str:
        return f"turn{self.index}:{name}" if not self.step else f"turn{self.index}.{self.step}:{name}"


class IntentRouter(Protocol):
    """Chooses the intent of a request (the model path); None means 'could not decide'."""

    def route(self, text: str) -> Intent | None: ...


class ThreadLog(Protocol):
    """Where the chat records the threads it starts (the console lists them)."""

    def create(self, *, tenant: str, kind: Any, user_id: str, title: str, now: datetime,
               thread_id: str | None = None, day: str | None = None, parent_id: str | None = None) -> Any: ...

    def autopilot_for_day(self, tenant: str, day: str) -> Any: ...


class AutopilotStart(Protocol):
    """What starting an autopilot thread gives the chat."""

    @property
    def thread_id(self) -> str: ...

    @property
    def pending(self) -> list[ApprovalRequest]: ...


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
    threads: ThreadLog
    checkpointer: BaseCheckpointSaver[Any]
    clock: Clock = system_clock
    router: IntentRouter | None = None

    def start_autopilot(self, targeting: TargetingService, top: int, *,
                        lead_ids: list[str] | None = None) -> AutopilotStart:
        """An autopilot thread of its own over today's picks (or ``lead_ids``): the graphs layer's to run."""
        raise NotImplementedError("the operator chat runs with graphs.operator_context.OperatorContext")


__all__ = ["AutopilotStart", "IntentRouter", "OperatorContext", "ThreadLog", "Turn"]
