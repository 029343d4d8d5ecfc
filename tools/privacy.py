"""Data subject access and erasure over the gateway's store (PDPL): every statement here.

What the gateway's store holds about one contact (``contact_id``) of one tenant, and what erasure
does to each table:

    table               access (export)                       erasure
    consent_events      full history                          address -> keyed pseudonym, source masked;
                                                              an address id (addr:<address>) -> its keyed
                                                              hash (addrh:…): its opt-out still blocks
    approvals           action, args, status, decision        args masked (free text -> tag), description
                                                              replaced; pending/approved ones rejected
    side_effects        what ran, when, with which approval   result masked (kept: ids, file name);
                                                              the outbox files are deleted by the caller
    revenue_work_units  units whose ref is the contact        kept (ids only)
    audit_events        events naming the contact (masked)    never touched: the chain must still verify
    cards               decision cards about the contact      title, why-now, preview and facts replaced;
                                                              open cards dismissed (when the table exists)

The audit log already holds masked data only (``tools.audit.mask_payload``), so erasure appends
one ``privacy_erasure`` event and leaves every earlier event, and so the hash chain, as it was.
Deleted and rewritten rows are overwritten on disk (``secure_delete``), and the WAL is
checkpointed, so the old bytes do not linger in the file.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from tools.audit import mask_payload
from tools.canonical import canonical_json
from tools.consent import ADDRESS_PREFIX, address_pseudonym
from tools.pii import PiiMasker
from tools.store import Conn

_TAG = re.compile(r"^\[[A-Z_]+:[0-9a-f]{8}\]$")
ERASED_CARD_AR = "حُذفت تفاصيل هذه البطاقة تنفيذاً لطلب محو البيانات الشخصية."
_CARDS_OF = ("SELECT card_id, status, card FROM cards WHERE tenant = ?"
             " AND (json_extract(card, '$.context.contact_id') = ? OR json_extract(card, '$.context.lead_id') = ?)")
ERASED_DESCRIPTION = "حُذفت تفاصيل هذا الطلب تنفيذاً لطلب محو البيانات الشخصية لجهة الاتصال."
ERASED_REASON = "privacy_erasure"


def contact_records(conn: Conn, tenant: str, contact_id: str) -> dict[str, list[dict[str, Any]]]:
    """Everything the gateway's store holds about the contact, table by table."""
    args = (tenant, contact_id)
    consent = _rows(conn, "SELECT channel, status, lawful_basis, source, recorded_at, address, quiet_start,"
                          " quiet_end, max_per_week FROM consent_events WHERE tenant = ? AND contact_id = ?"
                          " ORDER BY id", args)
    approvals = _rows(conn, "SELECT approval_id, thread_id, skill, action, args, status, requested_at, expires_at,"
                            " decided_by, decided_role, decided_at, reason, consumed_at, superseded_by"
                            " FROM approvals WHERE tenant = ? AND contact_id = ? ORDER BY requested_at, approval_id",
                      args)
    for row in approvals:
        row["args"] = json.loads(row["args"])
    ledger = _rows(conn, "SELECT ledger_id, action, channel, approval_id, status, result, started_at, finished_at"
                         " FROM side_effects WHERE tenant = ? AND contact_id = ? ORDER BY started_at, ledger_id",
                   args)
    for row in ledger:
        row["result"] = json.loads(row["result"]) if row["result"] else None
    units = _rows(conn, "SELECT rwu_id, type, audit_event, ts, value_sar FROM revenue_work_units"
                        " WHERE tenant = ? AND ref = ? ORDER BY ts, rwu_id", args)
    events = _rows(conn, "SELECT seq, event_id, ts, kind, actor, action, payload FROM audit_events"
                         " WHERE tenant = ? AND json_extract(payload, '$.contact_id') = ? ORDER BY seq", args)
    for row in events:
        row["payload"] = json.loads(row["payload"])
    cards = [json.loads(r[2]) for r in conn.execute(_CARDS_OF, (tenant, contact_id, contact_id))] \
        if _has_table(conn, "cards") else []
    return {"consent": consent, "approvals": approvals, "ledger": ledger, "revenue_work_units": units,
            "audit_events": events, "cards": cards}


def contact_addresses(conn: Conn, tenant: str, contact_id: str) -> set[str]:
    """Phones and emails the store has for the contact (consent addresses, recipients of approvals)."""
    found = {r[0] for r in conn.execute(
        "SELECT address FROM consent_events WHERE tenant = ? AND contact_id = ? AND address IS NOT NULL",
        (tenant, contact_id))}
    for (args,) in conn.execute("SELECT args FROM approvals WHERE tenant = ? AND contact_id = ?", (tenant, contact_id)):
        to = json.loads(args).get("to")
        if isinstance(to, str) and to.strip():
            found.add(to.strip())
    return {a for a in found if not _TAG.match(a)}  # an erased address is a pseudonym, not an address


def same_person(conn: Conn, tenant: str, addresses: set[str]) -> set[str]:
    """Other contact ids of the tenant reached at one of ``addresses`` (the same person under another id,
    e.g. the autopilot's lead id beside the Targeting OS's)."""
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not wanted:
        return set()
    marks = ",".join("?" * len(wanted))
    found = {r[0] for r in conn.execute(
        f"SELECT DISTINCT contact_id FROM consent_events WHERE tenant = ? AND lower(address) IN ({marks})",  # noqa: S608
        (tenant, *wanted))}
    by_recipient = ("SELECT DISTINCT contact_id FROM approvals WHERE tenant = ? AND contact_id IS NOT NULL"  # noqa: S608
                    f" AND lower(json_extract(args, '$.to')) IN ({marks})")
    found |= {r[0] for r in conn.execute(by_recipient, (tenant, *wanted))}
    return found


def decided_threads(conn: Conn, tenant: str, contact_id: str) -> set[str]:
    """Threads whose decisions named the contact: a refused draft leaves no approval, yet its thread's
    checkpoints still hold the lead's data."""
    rows = conn.execute(
        "SELECT DISTINCT json_extract(payload, '$.thread_id') FROM audit_events WHERE tenant = ?"
        " AND kind = 'decision' AND json_extract(payload, '$.contact_id') = ?", (tenant, contact_id)).fetchall()
    return {str(r[0]) for r in rows if r[0]}


def earlier_erasures(conn: Conn, tenant: str, contact_id: str) -> tuple[set[str], set[str]]:
    """Ids of the same person and threads kept, as earlier ``privacy_erasure`` events recorded them.

    After a first erasure the addresses that linked the ids are gone; the audit log still names them.
    """
    aliases: set[str] = set()
    threads: set[str] = set()
    for (payload,) in conn.execute(
            "SELECT payload FROM audit_events WHERE tenant = ? AND kind = 'privacy_erasure'"
            " AND json_extract(payload, '$.contact_id') = ? ORDER BY seq", (tenant, contact_id)):
        loaded = json.loads(payload)
        aliases |= {a for a in loaded.get("also_known_as") or [] if isinstance(a, str)}
        threads = {t for t in loaded.get("threads_kept") or [] if isinstance(t, str)}  # the latest word counts
    return aliases, threads


def kept_id(contact_id: str, *, key: bytes) -> str:
    """The id an erased contact's consent events are kept under: an address id becomes its keyed hash."""
    return address_pseudonym(key, contact_id) if contact_id.startswith(ADDRESS_PREFIX) else contact_id


def erase_contact(conn: Conn, tenant: str, contact_id: str, *, masker: PiiMasker, key: bytes,
                  now: datetime) -> dict[str, Any]:
    """Pseudonymise the contact's rows inside the caller's write transaction; returns counts and outbox paths.

    ``key`` is the install's secret key: consent given for an address moves to the address's keyed
    hash (:func:`tools.consent.address_pseudonym`), where the registry still finds it.
    """
    counts: dict[str, int] = {}
    kept_as = kept_id(contact_id, key=key)
    rows = conn.execute("SELECT id, address, source FROM consent_events WHERE tenant = ? AND contact_id = ?",
                        (tenant, contact_id)).fetchall()
    for row_id, address, source in rows:
        conn.execute("UPDATE consent_events SET contact_id = ?, address = ?, source = ? WHERE id = ?",
                     (kept_as, masker.tag("ADDRESS", address) if address else None, masker.mask_text(source),
                      row_id))
    counts["consent_events"] = len(rows)

    cancelled = conn.execute(
        "UPDATE approvals SET status = 'rejected', decided_by = 'privacy', decided_at = ?, reason = ?"
        " WHERE tenant = ? AND contact_id = ? AND status IN ('pending', 'approved')",
        (now.isoformat(), ERASED_REASON, tenant, contact_id)).rowcount
    rows = conn.execute("SELECT approval_id, args, reason FROM approvals WHERE tenant = ? AND contact_id = ?",
                        (tenant, contact_id)).fetchall()
    for approval_id, args, reason in rows:
        conn.execute("UPDATE approvals SET args = ?, description = ?, reason = ? WHERE approval_id = ?",
                     (canonical_json(mask_payload(masker, json.loads(args))), ERASED_DESCRIPTION,
                      masker.mask_text(reason) if reason else None, approval_id))
    counts["approvals"] = len(rows)
    counts["approvals_cancelled"] = cancelled

    outbox: list[str] = []
    rows = conn.execute("SELECT ledger_id, result FROM side_effects WHERE tenant = ? AND contact_id = ?",
                        (tenant, contact_id)).fetchall()
    for ledger_id, result in rows:
        loaded = json.loads(result) if result else {}
        if isinstance(loaded.get("outbox_path"), str):
            outbox.append(loaded["outbox_path"])
        conn.execute("UPDATE side_effects SET result = ? WHERE ledger_id = ?",
                     (canonical_json({**mask_payload(masker, loaded), "erased": True}), ledger_id))
    counts["side_effects"] = len(rows)

    counts["cards"] = 0
    if _has_table(conn, "cards"):
        for card_id, status, card in conn.execute(_CARDS_OF, (tenant, contact_id, contact_id)).fetchall():
            loaded = json.loads(card)
            context = loaded.get("context") or {}
            context.update(preview_ar=None, facts=[], company_name=None)
            new_status = "dismissed" if status == "open" else status
            loaded.update(title_ar=ERASED_CARD_AR, why_now_ar=ERASED_CARD_AR, context=context, status=new_status)
            conn.execute("UPDATE cards SET card = ?, status = ? WHERE tenant = ? AND card_id = ?",
                         (json.dumps(loaded, ensure_ascii=False), new_status, tenant, card_id))
            counts["cards"] += 1
    return {"counts": counts, "outbox_paths": outbox}


def _has_table(conn: Conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _rows(conn: Conn, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
