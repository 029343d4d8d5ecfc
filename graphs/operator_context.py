"""The operator chat's run context as the graphs layer runs it: the skill's context
(:class:`skills.operator.context.OperatorContext`) with the one thing a skill may not do itself,
starting the autopilot as a graph thread of its own."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from graphs.checkpoint import new_thread_id
from graphs.runtime import StartResult, build_context, start_autopilot
from graphs.threads import ThreadBook
from skills.operator.context import IntentRouter, Turn
from skills.operator.context import OperatorContext as SkillOperatorContext
from skills.targeting.service import TargetingService


@dataclass(frozen=True)
class OperatorContext(SkillOperatorContext):
    threads: ThreadBook  # the console's thread list (titles, messages): the graphs layer's own

    def start_autopilot(self, targeting: TargetingService, top: int, *,
                        lead_ids: list[str] | None = None) -> StartResult:
        autopilot = build_context(self.settings, self.tenant, gateway=self.gateway, targeting=targeting)
        thread_id = new_thread_id(self.tenant, "autopilot")
        # A fresh context: the autopilot is its own graph and thread, not a subgraph of this turn.
        return contextvars.Context().run(start_autopilot, autopilot, self.checkpointer, None, top,
                                         thread_id=thread_id, lead_ids=lead_ids)


__all__ = ["IntentRouter", "OperatorContext", "Turn"]
