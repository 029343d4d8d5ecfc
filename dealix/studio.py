"""The graphs of ``langgraph.json``, for LangGraph Studio, ``langgraph dev`` and agent-inbox.

The LangGraph server imports this module and calls one factory per graph. Each factory installs
this process's services once (the API's: one gateway with its policy, audit chain and approvals,
the thread book, the model router, over ``DEALIX_DATA_DIR``) and returns the graph compiled once
per process; the server brings its own checkpointer. A run's context is plain JSON::

    {"tenant": "demo", "actor": {"user_id": "sara@demo", "role": "sales_manager"}}

and the nodes find their services from it (:mod:`skills.run_context`). An approval interrupt is
agent-inbox's list of one request; agent-inbox's answer (``[{"type": "accept", "args": null}]``,
edit, response or ignore) resumes the run through the same approval nodes, gateway and ledger as
the CLI, the API and the console.
"""

from __future__ import annotations

import importlib
import threading
from contextlib import ExitStack
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

from dealix.settings import Settings, get_settings
from graphs.checkpoint import GraphKind, open_checkpointer
from graphs.inbox import Services as GraphServices
from graphs.inbox import open_context
from graphs.operator_context import OperatorContext
from skills.run_context import RunContext, install_binder


class StudioShell:
    """The binder the nodes ask for their services: one per process, contexts cached per tenant and actor."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._services: Any = None
        self._checkpointer: BaseCheckpointSaver[Any] | None = None
        self._contexts: dict[tuple[str, str, Any], Any] = {}
        self._stack = ExitStack()

    def services(self) -> Any:
        with self._lock:
            if self._services is None:
                from api.services import build_services  # the API's own services: one gateway, one policy

                self._services = build_services(self.settings)
            return self._services

    def __call__(self, kind: str, run: RunContext) -> Any:
        key = (kind, run.tenant, run.actor)
        with self._lock:
            found = self._contexts.get(key)
            if found is None:
                found = self._contexts[key] = self._bind(kind, run)
            return found

    def _bind(self, kind: str, run: RunContext) -> Any:
        services = self.services()
        caller = run.caller()
        if kind == "operator":
            if caller is None:
                raise ValueError("the operator chat needs an actor in the run's context: "
                                 '{"actor": {"user_id": "...", "role": "sales_manager"}}')
            if self._checkpointer is None:  # where the runs the chat starts (the autopilot) keep their threads
                self._checkpointer = self._stack.enter_context(open_checkpointer(self.settings))
            return OperatorContext(tenant=run.tenant, caller=caller, settings=self.settings,
                                   gateway=services.gateway, threads=services.threads,
                                   checkpointer=self._checkpointer, clock=services.clock, router=services.router)
        graph_kind: GraphKind = kind  # type: ignore[assignment]
        return self._stack.enter_context(open_context(
            graph_kind, GraphServices(self.settings, services.gateway, services.clock), run.tenant, caller))

    def close(self) -> None:
        with self._lock:
            self._contexts.clear()
            self._stack.close()
            self._checkpointer = None


_shell: StudioShell | None = None
_shell_guard = threading.Lock()


def install(settings: Settings | None = None) -> StudioShell:
    """This process's shell for plain-context runs (idempotent: the first call's settings stay)."""
    global _shell
    with _shell_guard:
        if _shell is None:
            _shell = StudioShell(settings or get_settings())
            install_binder(_shell)
        return _shell


def _graph(module: str, builder: str) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph compiled once per process, with this process's services installed first."""
    install()
    built: CompiledStateGraph[Any, Any, Any, Any] = getattr(importlib.import_module(module), builder)()
    return built


def autopilot() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.autopilot", "build_autopilot_graph")


def daily_plan() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.growth", "build_daily_plan_graph")


def negotiation() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.negotiation", "build_negotiation_graph")


def partners() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.partners", "build_partner_graph")


def support() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.support", "build_support_graph")


def operator() -> CompiledStateGraph[Any, Any, Any, Any]:
    return _graph("graphs.operator", "build_operator_graph")


__all__ = ["StudioShell", "autopilot", "daily_plan", "install", "negotiation", "operator", "partners", "support"]
