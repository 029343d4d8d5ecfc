"""Schemas of ``/api/v1/drafts``."""

from __future__ import annotations

from pydantic import BaseModel

from api.outbox import DraftDetail, DraftSummary


class DraftList(BaseModel):
    drafts: list[DraftSummary]


__all__ = ["DraftDetail", "DraftList", "DraftSummary"]
