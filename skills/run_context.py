"""A graph run's context as plain data, and the services it is bound to.

LangGraph Studio, ``langgraph dev`` and agent-inbox start and resume runs with JSON: the tenant, who
acts, nothing else. The services a run works with (the one gateway, the Targeting OS, the
copywriter, the stores) are built by the app shell once per process and found from it:

    context (JSON)      ──▶  AutopilotRunContext(tenant="demo", actor={...})   plain, serialisable
    a node needs more   ──▶  bound(runtime, AutopilotContext)
                              └─ the shell's binder (installed once per process) builds the run's
                                 services for that tenant and actor, cached per process

The CLI and the API are the shell themselves: they build the bound context through the same shell
functions and hand it to ``invoke`` directly, so a node meets one type whichever way the run began.
Each graph's ``context_schema`` is its plain class here, so Studio renders a form for it.

``actor`` is who answers approvals in this run, taken on the word of whoever starts the run, as the
CLI's ``--as`` is: ``langgraph dev`` is a developer's local server. A run without an actor starts and
waits on approvals but decides none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field

from tools.models import Caller, Role


class Actor(BaseModel):
    """The person acting in a run: answers its approvals with this role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=200, description="Who answers, e.g. an email or a user id.")
    role: Role = Field(description="The role approvals are answered with (sales_manager, ceo, ...).")


class RunContext(BaseModel):
    """Plain data a client sends as a run's ``context``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ClassVar[str] = ""

    tenant: str = Field(default="default", min_length=1, max_length=100,
                        description="The organisation the run works for.")
    actor: Actor | None = Field(default=None, description="Who answers this run's approvals; none: they wait.")

    def caller(self) -> Caller | None:
        if self.actor is None:
            return None
        return Caller(user_id=self.actor.user_id, tenant=self.tenant, role=self.actor.role)


class AutopilotRunContext(RunContext):
    kind: ClassVar[str] = "autopilot"


class DailyPlanRunContext(RunContext):
    kind: ClassVar[str] = "daily_plan"


class NegotiationRunContext(RunContext):
    kind: ClassVar[str] = "negotiation"


class PartnersRunContext(RunContext):
    kind: ClassVar[str] = "partners"


class SupportRunContext(RunContext):
    kind: ClassVar[str] = "support"


class OperatorRunContext(RunContext):
    kind: ClassVar[str] = "operator"


Binder = Callable[[str, RunContext], Any]
"""The shell's: a graph kind and plain run data → that graph's bound context (gateway, services, caller)."""

_binder: Binder | None = None
_guard = threading.Lock()

C = TypeVar("C")


class ServicesNotInstalled(RuntimeError):
    """A graph ran with plain context in a process whose shell set up no services."""


def install_binder(binder: Binder) -> None:
    """Called by the app shell once per process (``dealix.studio``); a later call replaces the binder."""
    global _binder
    with _guard:
        _binder = binder


def bound(runtime: Runtime[Any], expected: type[C]) -> C:
    """The run's context with its services: as handed in by an in-process caller, or bound from plain data."""
    ctx = runtime.context
    if isinstance(ctx, expected):
        return ctx
    if ctx is None or isinstance(ctx, dict):
        raise ServicesNotInstalled(
            "this graph was compiled without a plain context schema or run without context")
    if not isinstance(ctx, RunContext) or not ctx.kind:
        raise TypeError(f"a run context of {type(ctx).__name__} cannot be bound")
    binder = _binder
    if binder is None:
        raise ServicesNotInstalled(
            "Dealix's services are not set up in this process: load the graphs through dealix.studio "
            "(langgraph.json) or start them from the dealix CLI or API")
    result = binder(ctx.kind, ctx)
    if not isinstance(result, expected):
        raise TypeError(f"the {ctx.kind} binder gave {type(result).__name__}, not {expected.__name__}")
    return result


__all__ = ["Actor", "AutopilotRunContext", "Binder", "DailyPlanRunContext", "NegotiationRunContext",
           "OperatorRunContext", "PartnersRunContext", "RunContext", "ServicesNotInstalled", "SupportRunContext",
           "bound", "install_binder"]
