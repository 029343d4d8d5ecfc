"""The thread book: which conversation and autopilot threads exist, whose they are, and when.

Graph state lives in the checkpointer; this small table is what lists a tenant's threads and
finds today's autopilot run without scanning checkpoints. Thread ids are tenant-namespaced
(``{tenant}:{uuid}``), and every read here is scoped to the tenant: another tenant's thread is
"not found", never "forbidden".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.checkpoint import new_thread_id
from tools.errors import NotFound
from tools.store import Database, Row

ThreadKind = Literal["operator", "autopilot"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    thread_id   TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    day         TEXT,
    parent_id   TEXT
);
CREATE INDEX IF NOT EXISTS threads_tenant ON threads (tenant, kind, updated_at);
"""


class ThreadInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str = Field(description="Tenant-namespaced id: '{tenant}:{uuid}'.")
    kind: ThreadKind
    user_id: str = Field(description="Who started it.")
    title: str = Field(description="Given at creation, else the first request (60 characters); phone numbers, "
                       "emails, ids and the tenant's lead names masked.")
    created_at: datetime
    updated_at: datetime
    day: str | None = Field(default=None, description="For an autopilot run: the Riyadh day it prepared.")
    parent_id: str | None = Field(default=None, description="The conversation that started it, if any.")


TitleMasker = Callable[[str, str], str]
"""(tenant, title) -> the title to keep: contact points and the tenant's lead names masked."""


class ThreadBook(Database):
    """The thread table. Titles are listed to every user of the tenant and kept as long as the thread:
    they are masked on the way in (``title_masker``, built by the app shell with the signing key and
    the tenant's lead names), so a first request such as "اكتب لسارة على 0551234567" is never kept raw."""

    def __init__(self, path: Path | str, *, title_masker: TitleMasker | None = None) -> None:
        super().__init__(path, schema=_SCHEMA)
        self._mask = title_masker

    def _title(self, tenant: str, title: str | None) -> str | None:
        if title is None or self._mask is None or not title:
            return title
        return self._mask(tenant, title)

    def create(self, *, tenant: str, kind: ThreadKind, user_id: str, title: str, now: datetime,
               thread_id: str | None = None, day: str | None = None, parent_id: str | None = None) -> ThreadInfo:
        thread_id = thread_id or new_thread_id(tenant)
        title = self._title(tenant, title) or ""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO threads (thread_id, tenant, kind, user_id, title, created_at, updated_at, day, parent_id)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (thread_id, tenant, kind, user_id, title, now.isoformat(), now.isoformat(), day, parent_id))
        return self.get(thread_id, tenant)

    def get(self, thread_id: str, tenant: str) -> ThreadInfo:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM threads WHERE thread_id = ? AND tenant = ?",
                               (thread_id, tenant)).fetchone()
        if row is None:
            raise NotFound("لا توجد محادثة بهذا المعرّف لدى منشأتك.", "No such thread for this tenant.",
                           code="thread_not_found")
        return _info(row)

    def list(self, tenant: str, *, kind: ThreadKind | None = None, limit: int = 50) -> list[ThreadInfo]:
        query, params = "SELECT * FROM threads WHERE tenant = ?", [tenant]
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        with self.read() as conn:
            rows = conn.execute(query + " ORDER BY updated_at DESC, thread_id LIMIT ?", [*params, limit]).fetchall()
        return [_info(r) for r in rows]

    def touch(self, thread_id: str, tenant: str, now: datetime, *, title: str | None = None) -> None:
        title = self._title(tenant, title)
        with self.transaction() as conn:
            conn.execute("UPDATE threads SET updated_at = ?, title = COALESCE(?, title) WHERE thread_id = ?"
                         " AND tenant = ?", (now.isoformat(), title, thread_id, tenant))

    def autopilot_for_day(self, tenant: str, day: str) -> ThreadInfo | None:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM threads WHERE tenant = ? AND kind = 'autopilot' AND day = ?"
                               " ORDER BY created_at LIMIT 1", (tenant, day)).fetchone()
        return _info(row) if row is not None else None


def _info(row: Row) -> ThreadInfo:
    return ThreadInfo(thread_id=row["thread_id"], kind=row["kind"], user_id=row["user_id"], title=row["title"],
                      created_at=datetime.fromisoformat(row["created_at"]),
                      updated_at=datetime.fromisoformat(row["updated_at"]), day=row["day"], parent_id=row["parent_id"])
