"""Customer Ops tickets of one contact (``data_dir/support.db`` or its PostgreSQL schema), read and erased by SQL.

A ticket belongs to the contact when its ``customer_ref`` is the contact id, or its stored email
or phone is one of the contact's addresses. Erasure keeps the ticket (its category, priority, SLA
history and CSAT score are the tenant's service record) and removes what is personal: the
customer's name, email and phone, the subject and body, and any CSAT comment.

This reads Customer Ops' schema directly; when the file or the expected columns are missing it
does nothing and says so, rather than guess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.store import Conn, Database, store_exists

ERASED_BODY = "[محذوف بطلب محو البيانات الشخصية]"
_COLUMNS = {"tenant", "ticket_id", "customer_ref", "data"}


def _open(path: Path) -> Database | None:
    """Customer Ops' store (the file, or its PostgreSQL schema) when it exists and has the expected columns."""
    if not store_exists(path):
        return None
    db = Database(path, schema="")
    with db.read() as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(tickets)")}
    if not columns >= _COLUMNS:
        db.close()
        return None
    return db


def _matching(conn: Conn, tenant: str, contact_id: str,
              addresses: set[str]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for ticket_id, ref, data in conn.execute("SELECT ticket_id, customer_ref, data FROM tickets WHERE tenant = ?"
                                             " ORDER BY ticket_id", (tenant,)):
        ticket: dict[str, Any] = json.loads(data)
        owned = {str(ticket.get("customer_email") or "").lower(), str(ticket.get("customer_phone") or "")}
        if ref == contact_id or owned & {a.lower() for a in addresses if a}:
            found.append((ticket_id, ticket))
    return found


def export_tickets(path: Path, tenant: str, contact_id: str, addresses: set[str]) -> list[dict[str, Any]]:
    db = _open(path)
    if db is None:
        return []
    try:
        with db.read() as conn:
            return [ticket for _, ticket in _matching(conn, tenant, contact_id, addresses)]
    finally:
        db.close()


def erase_tickets(path: Path, tenant: str, contact_id: str, addresses: set[str]) -> int:
    db = _open(path)
    if db is None:
        return 0
    try:
        db.secure_erase()
        with db.transaction() as conn:
            tickets = _matching(conn, tenant, contact_id, addresses)
            csat_comment = "comment" in {r[1] for r in conn.execute("PRAGMA table_info(ticket_csat)")}
            for ticket_id, ticket in tickets:
                ticket.update(customer_name=None, customer_email=None, customer_phone=None, subject=None,
                              body=ERASED_BODY)
                conn.execute("UPDATE tickets SET data = ? WHERE tenant = ? AND ticket_id = ?",
                             (json.dumps(ticket, ensure_ascii=False), tenant, ticket_id))
                if csat_comment:
                    conn.execute("UPDATE ticket_csat SET comment = NULL WHERE tenant = ? AND ticket_id = ?",
                                 (tenant, ticket_id))
        if tickets:
            db.compact()
        return len(tickets)
    finally:
        db.close()
