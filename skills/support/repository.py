"""Customer Ops' store: one SQLite file (``settings.data_dir / "support.db"``), all SQL here.

Tables, each keyed by tenant first: tickets (indexed columns plus the ticket as JSON), ticket
events (what changed, when, by whom; never the text or the contact details) and CSAT answers.
A lookup with another tenant's id finds nothing, exactly as an id that does not exist.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from skills.support.models import CsatRecord, Ticket, TicketStatus
from tools.store import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    tenant        TEXT NOT NULL,
    ticket_id     TEXT NOT NULL,
    customer_ref  TEXT NOT NULL,
    status        TEXT NOT NULL,
    category      TEXT NOT NULL,
    priority      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (tenant, ticket_id)
);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (tenant, status, created_at);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (tenant, customer_ref, created_at);
CREATE TABLE IF NOT EXISTS ticket_events (
    id         INTEGER PRIMARY KEY,
    tenant     TEXT NOT NULL,
    ticket_id  TEXT NOT NULL,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_events_ticket ON ticket_events (tenant, ticket_id, id);
CREATE TABLE IF NOT EXISTS ticket_csat (
    tenant       TEXT NOT NULL,
    ticket_id    TEXT NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment      TEXT,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, ticket_id)
);
"""
OPEN_STATUSES: tuple[TicketStatus, ...] = ("open", "in_progress", "waiting_customer")


class SupportRepository:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def save(self, ticket: Ticket, *, event: str, actor: str, detail: dict[str, Any], at: datetime) -> None:
        """Insert or replace the ticket and record the event, in one transaction."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO tickets VALUES (?,?,?,?,?,?,?,?)",
                (ticket.tenant, ticket.ticket_id, ticket.customer_ref, ticket.status,
                 ticket.classification.category, ticket.priority, ticket.created_at.isoformat(),
                 ticket.model_dump_json()))
            conn.execute("INSERT INTO ticket_events (tenant, ticket_id, at, kind, actor, detail) VALUES (?,?,?,?,?,?)",
                         (ticket.tenant, ticket.ticket_id, at.isoformat(), event, actor,
                          json.dumps(detail, ensure_ascii=False, sort_keys=True)))

    def get(self, tenant: str, ticket_id: str) -> Ticket | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT data FROM tickets WHERE tenant = ? AND ticket_id = ?",
                               (tenant, ticket_id)).fetchone()
        return None if row is None else Ticket.model_validate_json(row["data"])

    def tickets(self, tenant: str, *, status: TicketStatus | None = None, category: str | None = None,
             open_only: bool = False, limit: int = 500) -> list[Ticket]:
        query, params = "SELECT data FROM tickets WHERE tenant = ?", [tenant]
        if status is not None:
            query += " AND status = ?"
            params.append(status)
        if category is not None:
            query += " AND category = ?"
            params.append(category)
        if open_only:
            query += f" AND status IN ({','.join('?' * len(OPEN_STATUSES))})"
            params.extend(OPEN_STATUSES)
        query += " ORDER BY created_at, ticket_id LIMIT ?"
        with self._db.read() as conn:
            rows = conn.execute(query, (*params, limit)).fetchall()
        return [Ticket.model_validate_json(r["data"]) for r in rows]

    def events(self, tenant: str, ticket_id: str) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT at, kind, actor, detail FROM ticket_events WHERE tenant = ? AND ticket_id = ?"
                                " ORDER BY id", (tenant, ticket_id)).fetchall()
        return [{"at": r["at"], "kind": r["kind"], "actor": r["actor"], "detail": json.loads(r["detail"])}
                for r in rows]

    def add_csat(self, tenant: str, record: CsatRecord) -> bool:
        """False when the ticket already has an answer (one per ticket)."""
        with self._db.transaction() as conn:
            cursor = conn.execute("INSERT OR IGNORE INTO ticket_csat VALUES (?,?,?,?,?)",
                                  (tenant, record.ticket_id, record.score, record.comment,
                                   record.recorded_at.isoformat()))
            return cursor.rowcount == 1

    def csat(self, tenant: str) -> dict[str, CsatRecord]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM ticket_csat WHERE tenant = ?", (tenant,)).fetchall()
        return {r["ticket_id"]: CsatRecord(ticket_id=r["ticket_id"], score=r["score"], comment=r["comment"],
                                           recorded_at=datetime.fromisoformat(r["recorded_at"])) for r in rows}
