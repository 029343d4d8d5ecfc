"""Helpers of the operator tests: one turn run to completion, its events by type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphs.operator_context import OperatorContext
from graphs.operator_runtime import stream_turn

SUNDAY_10_RIYADH = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def new_thread(ctx: OperatorContext) -> str:
    return ctx.threads.create(tenant=ctx.tenant, kind="operator", user_id=ctx.caller.user_id, title="t",
                              now=SUNDAY_10_RIYADH).thread_id


def turn(ctx: OperatorContext, text: str, thread_id: str | None = None) -> list[Any]:
    return list(stream_turn(ctx, thread_id or new_thread(ctx), text))


def of_type(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


def reply(events: list[Any]) -> str:
    return "".join(e.text for e in of_type(events, "text"))
