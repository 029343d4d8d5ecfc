"""The run-scoped dependencies of a graph run: passed as ``context=``, never kept in state or globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.copywriter import Copywriter
from agents.tracing import Tracing
from tools.gateway import Gateway
from tools.models import Caller
from tools.settings import Settings


@dataclass(frozen=True)
class AutopilotContext:
    """What every node of the autopilot may use.

    ``caller`` is the authenticated person answering approvals in this run (from the CLI's
    ``--as`` or the API's auth), never read from a resume payload. A run without a caller can
    start threads and collect approvals but cannot decide any.
    """

    tenant: str
    gateway: Gateway
    settings: Settings
    copywriter: Copywriter
    caller: Caller | None = None
    tracing: Tracing = field(default_factory=Tracing.disabled)
