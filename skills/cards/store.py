"""Where cards live: tables in the gateway's SQLite store, every row keyed by tenant.

The cards sit beside the audit log and the revenue work units on purpose: closing a card, its
audit event and its work unit are written in one transaction, so a card is never "decided" without
the evidence, nor the evidence written for a card that stayed open.

A card is upserted by id. While it is open its content may be refreshed (a new score, an approval
decided elsewhere closes it); once closed it is never reopened or rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from skills.cards.errors import card_not_found
from skills.cards.models import ButtonDecision, Card, CardStatus
from tools.models import Role
from tools.store import Conn, Database, Row

CLAIM_HOLD = timedelta(minutes=5)

_TABLES = (
    """CREATE TABLE IF NOT EXISTS cards (
        tenant        TEXT NOT NULL,
        card_id       TEXT NOT NULL,
        type          TEXT NOT NULL,
        role          TEXT NOT NULL,
        dedupe_key    TEXT NOT NULL,
        status        TEXT NOT NULL,
        card          TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        decision      TEXT,
        button_id     TEXT,
        decided_by    TEXT,
        decided_role  TEXT,
        decided_at    TEXT,
        audit_event   TEXT,
        claimed_until TEXT,                   -- a decision in progress holds the card until then
        PRIMARY KEY (tenant, card_id)
    )""",
    "CREATE INDEX IF NOT EXISTS cards_status ON cards (tenant, status)",
    """CREATE TABLE IF NOT EXISTS card_cursors (
        tenant  TEXT NOT NULL,
        name    TEXT NOT NULL,
        value   INTEGER NOT NULL,
        PRIMARY KEY (tenant, name)
    )""",
)


class CardRecord(BaseModel):
    """A stored card and, once decided, who decided what and when."""

    model_config = ConfigDict(frozen=True)

    card: Card
    decision: ButtonDecision | None = None
    button_id: str | None = None
    decided_by: str | None = None
    decided_role: Role | None = None
    decided_at: datetime | None = None
    audit_event: str | None = None


class CardStore:
    """Card tables inside a :class:`Database` (normally the gateway's ``Store``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.transaction() as conn:
            for statement in _TABLES:
                conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        with self.db.transaction() as conn:
            yield conn

    # ------------------------------------------------------------------ writing
    def upsert(self, tenant: str, cards: Iterable[Card], *, now: datetime) -> tuple[list[Card], list[Card]]:
        """Store new cards and refresh open ones. Returns (new, updated); closed cards are left alone."""
        new: list[Card] = []
        updated: list[Card] = []
        with self.db.transaction() as conn:
            for card in cards:
                row = conn.execute("SELECT status, card FROM cards WHERE tenant = ? AND card_id = ?",
                                   (tenant, card.card_id)).fetchone()
                if row is None:
                    self.insert(conn, tenant, card, now=now)
                    new.append(card)
                    continue
                if row["status"] != CardStatus.open.value:
                    continue
                # The first sighting fixes when a card appeared; a refresh changes what it says.
                card = card.model_copy(update={"created_at": Card.model_validate_json(row["card"]).created_at})
                if row["card"] != card.model_dump_json():
                    conn.execute(
                        "UPDATE cards SET status = ?, card = ?, role = ?, dedupe_key = ?, updated_at = ?"
                        " WHERE tenant = ? AND card_id = ?",
                        (card.status.value, card.model_dump_json(), card.role.value, card.dedupe_key,
                         now.isoformat(), tenant, card.card_id))
                    updated.append(card)
        return new, updated

    def insert(self, conn: Conn, tenant: str, card: Card, *, now: datetime) -> None:
        conn.execute(
            "INSERT INTO cards (tenant, card_id, type, role, dedupe_key, status, card, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (tenant, card.card_id, card.type.value, card.role.value, card.dedupe_key, card.status.value,
             card.model_dump_json(), card.created_at.isoformat(), now.isoformat()))

    def close(self, conn: Conn, tenant: str, card: Card, *, status: CardStatus,
              decision: ButtonDecision | None, button_id: str | None, by: str | None, role: Role | None,
              at: datetime, audit_event: str | None) -> bool:
        """Close an open card inside the caller's transaction; False when it was no longer open."""
        closed = card.model_copy(update={"status": status})
        cur = conn.execute(
            "UPDATE cards SET status = ?, card = ?, decision = ?, button_id = ?, decided_by = ?, decided_role = ?,"
            " decided_at = ?, audit_event = ?, updated_at = ?, claimed_until = NULL"
            " WHERE tenant = ? AND card_id = ? AND status = 'open'",
            (status.value, closed.model_dump_json(), decision, button_id, by, role.value if role else None,
             at.isoformat(), audit_event, at.isoformat(), tenant, card.card_id))
        return cur.rowcount == 1

    def claim(self, tenant: str, card_id: str, *, now: datetime, hold: timedelta = CLAIM_HOLD) -> bool:
        """Hold an open card for one decision in progress; False when it is closed or already held.

        A press that resumes work (a graph thread, an execution) holds the card first, so two
        presses at once cannot both resume it. A holder that dies releases it when the hold expires.
        """
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE cards SET claimed_until = ? WHERE tenant = ? AND card_id = ? AND status = 'open'"
                " AND (claimed_until IS NULL OR claimed_until <= ?)",
                ((now + hold).isoformat(), tenant, card_id, now.isoformat()))
        return cur.rowcount == 1

    def release(self, tenant: str, card_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE cards SET claimed_until = NULL WHERE tenant = ? AND card_id = ?", (tenant, card_id))

    # ------------------------------------------------------------------ reading
    def record(self, tenant: str, card_id: str, conn: Conn | None = None) -> CardRecord:
        """The card of this tenant, or ``card_not_found`` (another tenant's card does not exist here)."""
        if conn is None:
            with self.db.read() as read_conn:
                row = _fetch(read_conn, tenant, card_id)
        else:
            row = _fetch(conn, tenant, card_id)
        if row is None:
            raise card_not_found()
        return _record(row)

    def get(self, tenant: str, card_id: str) -> Card:
        return self.record(tenant, card_id).card

    def cards(self, tenant: str, *, status: CardStatus | None = CardStatus.open) -> list[Card]:
        query = "SELECT card FROM cards WHERE tenant = ?"
        params: list[str] = [tenant]
        if status is not None:
            query += " AND status = ?"
            params.append(status.value)
        with self.db.read() as conn:
            rows = conn.execute(query + " ORDER BY created_at, card_id", params).fetchall()
        return [Card.model_validate_json(r["card"]) for r in rows]

    def cursor(self, tenant: str, name: str) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM card_cursors WHERE tenant = ? AND name = ?",
                               (tenant, name)).fetchone()
        return int(row["value"]) if row else 0

    def set_cursor(self, tenant: str, name: str, value: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO card_cursors (tenant, name, value) VALUES (?,?,?)"
                         " ON CONFLICT(tenant, name) DO UPDATE SET value = excluded.value", (tenant, name, value))


def _fetch(conn: Conn, tenant: str, card_id: str) -> Row | None:
    row: Row | None = conn.execute("SELECT * FROM cards WHERE tenant = ? AND card_id = ?",
                                   (tenant, card_id)).fetchone()
    return row


def _record(row: Row) -> CardRecord:
    return CardRecord(
        card=Card.model_validate_json(row["card"]), decision=row["decision"], button_id=row["button_id"],
        decided_by=row["decided_by"], decided_role=Role(row["decided_role"]) if row["decided_role"] else None,
        decided_at=datetime.fromisoformat(row["decided_at"]) if row["decided_at"] else None,
        audit_event=row["audit_event"])

