"""``/api/v1/drafts``: what the draft connectors wrote (Gmail drafts, WhatsApp drafts, invoice drafts ...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query

from api.deps import CallerDep, ServicesDep
from api.errors import problem_responses
from api.outbox import get_draft as read_draft
from api.outbox import list_drafts as read_drafts
from api.schemas.drafts import DraftDetail, DraftList

router = APIRouter(prefix="/api/v1/drafts", tags=["drafts"])


@router.get("", response_model=DraftList, responses=problem_responses(429))
def list_drafts(caller: CallerDep, services: ServicesDep,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> DraftList:
    """Your organisation's drafts, newest first (nothing here was sent)."""
    return DraftList(drafts=read_drafts(services.gateway.store, caller.tenant, limit=limit))


@router.get("/{draft_id}", response_model=DraftDetail, responses=problem_responses(404, 429))
def get_draft(draft_id: Annotated[str, Path(max_length=100)], caller: CallerDep, services: ServicesDep
              ) -> DraftDetail:
    """One draft with its content, exactly as written to the outbox."""
    return read_draft(services.gateway.store, caller.tenant, draft_id, services.settings.outbox_dir)


def install(app: FastAPI) -> None:
    app.include_router(router)
