"""``/api/v1/threads``: operator chat threads; a message streams its turn as server-sent events.

Each event's ``data`` is one JSON object with a ``type``: route, tool_call, approval_request,
card, text, error, done (see ``skills.operator.events``). The turn runs in a thread of its own
and its events are handed to the response as they happen; a client that disconnects does not
cut the turn short (its state and any approvals it created are kept).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path
from fastapi.sse import EventSourceResponse

from api.deps import CallerDep, ServicesDep
from api.errors import catalog, problem_responses
from api.schemas.threads import MessageCreate, ThreadCreate, ThreadDetail, ThreadList
from api.services import Services
from graphs.operator_context import OperatorContext
from graphs.operator_runtime import stream_turn, thread_messages
from graphs.threads import ThreadInfo
from skills.operator.events import DoneEvent, ErrorEvent, ThreadEvent
from tools.errors import GatewayError, NotFound
from tools.models import Caller

log = logging.getLogger("dealix.api")
router = APIRouter(prefix="/api/v1/threads", tags=["threads"])

ThreadId = Annotated[str, Path(description="Tenant-namespaced thread id, '{tenant}:{uuid}'.", max_length=200)]


def owned_thread(thread_id: ThreadId, caller: CallerDep, services: ServicesDep) -> ThreadInfo:
    """The caller's tenant's operator thread, or 404 (another tenant's thread does not exist for them)."""
    info = services.threads.get(thread_id, caller.tenant)
    if info.kind != "operator":  # autopilot threads are answered through the approvals, not chatted with
        raise NotFound("لا توجد محادثة بهذا المعرّف لدى منشأتك.", "No such thread for this tenant.",
                       code="thread_not_found")
    return info


OwnedThread = Annotated[ThreadInfo, Depends(owned_thread)]


@router.post("", response_model=ThreadInfo, status_code=201, responses=problem_responses(429))
def create_thread(body: ThreadCreate, caller: CallerDep, services: ServicesDep) -> ThreadInfo:
    """Start a conversation with the operator."""
    return services.threads.create(tenant=caller.tenant, kind="operator", user_id=caller.user_id,
                                   title=(body.title or "").strip(), now=services.clock())


@router.get("", response_model=ThreadList, responses=problem_responses(429))
def list_threads(caller: CallerDep, services: ServicesDep) -> ThreadList:
    """Your organisation's conversations, most recent first."""
    return ThreadList(threads=services.threads.list(caller.tenant, kind="operator"))


@router.get("/{thread_id}", response_model=ThreadDetail, responses=problem_responses(404, 429))
def get_thread(thread: OwnedThread, caller: CallerDep, services: ServicesDep) -> ThreadDetail:
    """A conversation and its messages."""
    with services.checkpointer() as checkpointer:
        ctx = _context(services, caller, checkpointer)
        return ThreadDetail(thread=thread, messages=thread_messages(ctx, thread.thread_id))


def _context(services: Services, caller: Caller, checkpointer: object) -> OperatorContext:
    return OperatorContext(tenant=caller.tenant, caller=caller, settings=services.settings, gateway=services.gateway,
                           threads=services.threads, checkpointer=checkpointer,  # type: ignore[arg-type]
                           clock=services.clock, router=services.router)


def _run_turn(services: Services, caller: Caller, thread_id: str, text: str, out: queue.Queue[ThreadEvent | None]
              ) -> None:
    try:
        with services.checkpointer() as checkpointer:
            for event in stream_turn(_context(services, caller, checkpointer), thread_id, text):
                out.put(event)
    except GatewayError as exc:
        out.put(ErrorEvent(code=exc.code, message_ar=exc.message_ar, message_en=exc.message_en))
        out.put(DoneEvent(thread_id=thread_id))
    except Exception as exc:  # the stream must end with an event the client understands
        log.error("operator turn failed: %s", type(exc).__name__)
        entry = catalog()["internal_error"]
        out.put(ErrorEvent(code="internal_error", message_ar=entry.message_ar, message_en=entry.message_en))
        out.put(DoneEvent(thread_id=thread_id))
    finally:
        out.put(None)


@router.post("/{thread_id}/messages", response_class=EventSourceResponse,
             responses={**problem_responses(404, 413, 429),
                        200: {"description": "A text/event-stream of thread events, ending with 'done'."}})
def post_message(thread: OwnedThread, body: MessageCreate, caller: CallerDep, services: ServicesDep
                 ) -> Iterator[ThreadEvent]:
    """Send a request (Arabic or English); its turn streams back as server-sent events."""
    events: queue.Queue[ThreadEvent | None] = queue.Queue()
    worker = threading.Thread(target=_run_turn, args=(services, caller, thread.thread_id, body.text, events),
                              name="operator-turn", daemon=True)
    worker.start()
    while (event := events.get()) is not None:
        yield event


def install(app: FastAPI) -> None:
    app.include_router(router)
