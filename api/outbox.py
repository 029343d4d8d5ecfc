"""Drafts as the API shows them: the draft connectors' rows in the side-effect ledger, and the outbox
file each one wrote (exactly what would leave). Reads only; always scoped to one tenant.
"""

from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import NotFound
from tools.ledger import result_of
from tools.store import Store

DraftFormat = Literal["email", "json", "calendar", "text"]


class DraftSummary(BaseModel):
    model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [{
        "draft_id": "L3f9c0d2a1b4e5f60", "action": "gmail.draft", "channel": "email", "status": "done",
        "created_at": "2026-11-22T07:00:00Z", "approval_id": "apr_0123456789abcdef0123", "contact_id": "lead_ab12"}]})

    draft_id: str = Field(description="The side-effect ledger id.")
    action: str = Field(description="Draft connector, e.g. gmail.draft, whatsapp.draft, moyasar.invoice_draft.")
    channel: str | None
    status: str = Field(description="done, started or failed.")
    created_at: datetime
    approval_id: str | None = Field(description="The approval it was written under, if one was needed.")
    contact_id: str | None


class DraftDetail(DraftSummary):
    format: DraftFormat
    to: list[str] = Field(default_factory=list)
    subject: str | None = None
    body: str | None = Field(default=None, description="Plain text of the message, when it has one.")
    data: dict[str, Any] | None = Field(default=None, description="The JSON document (WhatsApp, invoice).")
    file_name: str | None = Field(default=None, description="The outbox file's name.")


def _is_draft(action: str) -> bool:
    return action.endswith((".draft", "_draft"))


def _summary(row: Any) -> DraftSummary:
    return DraftSummary(draft_id=row["ledger_id"], action=row["action"], channel=row["channel"], status=row["status"],
                        created_at=datetime.fromisoformat(row["started_at"]), approval_id=row["approval_id"],
                        contact_id=row["contact_id"])


def list_drafts(store: Store, tenant: str, *, limit: int = 100) -> list[DraftSummary]:
    with store.read() as conn:
        rows = conn.execute("SELECT * FROM side_effects WHERE tenant = ? ORDER BY started_at DESC, ledger_id",
                            (tenant,)).fetchall()
    return [_summary(r) for r in rows if _is_draft(r["action"])][:limit]


def get_draft(store: Store, tenant: str, draft_id: str, outbox_dir: Path) -> DraftDetail:
    with store.read() as conn:
        row = conn.execute("SELECT * FROM side_effects WHERE tenant = ? AND ledger_id = ?",
                           (tenant, draft_id)).fetchone()
    if row is None or not _is_draft(row["action"]):
        raise NotFound("لا توجد مسودة بهذا المعرّف لدى منشأتك.", f"No draft {draft_id!r}.", code="not_found")
    summary = _summary(row)
    path = _inside(result_of(row).get("outbox_path"), outbox_dir)
    if path is None:
        return DraftDetail(**summary.model_dump(), format="text")
    content = path.read_bytes()
    base = {**summary.model_dump(), "file_name": path.name}
    if path.suffix == ".eml":
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        return DraftDetail(**base, format="email", to=[str(a) for a in (message.get_all("To") or [])],
                           subject=str(message["Subject"] or ""),
                           body=body.get_content().replace("\r\n", "\n") if isinstance(body, EmailMessage) else None)
    if path.suffix == ".json":
        data = json.loads(content)
        return DraftDetail(**base, format="json", data=data if isinstance(data, dict) else {"items": data})
    if path.suffix == ".ics":
        return DraftDetail(**base, format="calendar", body=content.decode("utf-8", "replace"))
    return DraftDetail(**base, format="text", body=content.decode("utf-8", "replace"))


def _inside(raw: Any, root: Path) -> Path | None:
    """The outbox file, only if it is a file under the outbox directory."""
    if not isinstance(raw, str) or not raw:
        return None
    path = Path(raw).resolve()
    return path if path.is_file() and path.is_relative_to(root.resolve()) else None
