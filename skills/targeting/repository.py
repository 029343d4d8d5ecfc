"""The Targeting OS's store: one SQLite file (``settings.data_dir / "targeting.db"``), all SQL here.

Tables: imports and their row issues, leads (indexed match columns plus the lead as JSON),
merges (each one explained and reversible), merge vetoes (pairs a person split apart, never
merged again), the do-not-contact list, and touches (what was sent when, for reputation caps).
Keeping every statement in this module makes a PostgreSQL twin a contained change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from skills.targeting.bulk import paused_gc
from skills.targeting.errors import MergeNotFound
from skills.targeting.models import CompanyMember, ImportIssue, ImportReport, Lead, MergeRecord
from skills.targeting.records import LeadReader
from tools.store import Conn, Database

DncKind = Literal["phone", "email", "lead"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (
    import_id   TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    report      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS import_issues (
    import_id  TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    field      TEXT NOT NULL,
    code       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    reason_ar  TEXT NOT NULL,
    reason_en  TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number, field, code)
);
CREATE TABLE IF NOT EXISTS leads (
    tenant       TEXT NOT NULL,
    lead_id      TEXT NOT NULL,
    import_id    TEXT NOT NULL,
    merged_into  TEXT,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant, lead_id)
);
CREATE TABLE IF NOT EXISTS merges (
    merge_id    TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    kept_id     TEXT NOT NULL,
    merged_id   TEXT NOT NULL,
    rule        TEXT NOT NULL,
    score       REAL NOT NULL,
    evidence_ar TEXT NOT NULL,
    evidence_en TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    undone_at   TEXT
);
CREATE INDEX IF NOT EXISTS merges_tenant ON merges (tenant, undone_at);
CREATE TABLE IF NOT EXISTS merge_vetoes (
    tenant TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (tenant, a, b)
);
CREATE TABLE IF NOT EXISTS do_not_contact (
    tenant      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant, kind, value)
);
CREATE TABLE IF NOT EXISTS touches (
    id       INTEGER PRIMARY KEY,
    tenant   TEXT NOT NULL,
    lead_id  TEXT NOT NULL,
    channel  TEXT NOT NULL,
    at       TEXT NOT NULL,
    replied  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS touches_lead ON touches (tenant, lead_id, at);
"""
# Addresses added to a lead after its import (each one an audited gateway action), and the lookups
# that find a lead by its address without reading every lead: the gateway asks on every outreach.
_CONTACT_POINTS = """
CREATE TABLE IF NOT EXISTS contact_points (
    tenant   TEXT NOT NULL,
    lead_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (tenant, lead_id, value)
);
CREATE INDEX IF NOT EXISTS contact_points_value ON contact_points (tenant, value);
CREATE INDEX IF NOT EXISTS leads_email ON leads (tenant, json_extract(data, '$.email'));
CREATE INDEX IF NOT EXISTS leads_phone ON leads (tenant, json_extract(data, '$.phone.e164'));
CREATE INDEX IF NOT EXISTS leads_merged ON leads (tenant, merged_into);
"""
_BY_EMAIL = "SELECT COALESCE(merged_into, lead_id) FROM leads WHERE tenant = ? AND json_extract(data, '$.email') = ?"
_BY_PHONE = ("SELECT COALESCE(merged_into, lead_id) FROM leads WHERE tenant = ?"
             " AND json_extract(data, '$.phone.e164') = ?")
# A lead and the leads merged into it: two indexed lookups in one statement (the primary key, then
# ``leads_merged``; an OR of the two would let SQLite scan the tenant's leads instead).
_GROUP = ("SELECT lead_id, merged_into, data FROM leads WHERE tenant = ? AND lead_id = ? UNION ALL"
          " SELECT lead_id, merged_into, data FROM leads WHERE tenant = ? AND merged_into = ?")
_ADDED_POINT = ("SELECT COALESCE(l.merged_into, p.lead_id) FROM contact_points p LEFT JOIN leads l"
                " ON l.tenant = p.tenant AND l.lead_id = p.lead_id WHERE p.tenant = ? AND p.value = ?")
_COMPANY_FACTS = ("SELECT lead_id, json_extract(data, '$.company_key'), json_extract(data, '$.email_domain'),"
                  " json_extract(data, '$.phone.e164') FROM leads WHERE tenant = ?")
_ACTIVE_LEADS = "SELECT data FROM leads WHERE tenant = ? AND merged_into IS NULL ORDER BY lead_id"
_ALL_LEADS = "SELECT data FROM leads WHERE tenant = ? ORDER BY lead_id"
_LIVE_MERGES = "SELECT * FROM merges WHERE tenant = ? AND undone_at IS NULL ORDER BY merge_id"
_ALL_MERGES = "SELECT * FROM merges WHERE tenant = ? ORDER BY merge_id"


ERASED_AR = "حُذفت تفاصيل هذا الدمج تنفيذاً لطلب محو البيانات الشخصية."
ERASED_EN = "Details removed on a data subject erasure request."


@dataclass(frozen=True, slots=True)
class ContactRecords:
    """What the targeting store holds about one contact (see ``TargetingRepository.contact_records``)."""

    leads: list[Lead]
    merges: list[MergeRecord]
    touches: list[Touch]
    issues: list[ImportIssue]
    do_not_contact: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Touch:
    """One outreach that left (recorded by the runtime after the gateway executed it)."""

    lead_id: str
    channel: str
    at: datetime
    replied: bool


class TargetingRepository:
    """Leads, merges and outreach history of every tenant, in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA + _CONTACT_POINTS, named_rows=False)
        self.path = Path(path)

    def close(self) -> None:
        self._db.close()

    # -- imports and leads ------------------------------------------------------------------
    def add_leads(self, leads: Iterable[Lead]) -> int:
        """Store leads not stored yet; returns how many were new (re-import adds nothing)."""
        with self._db.transaction() as conn:
            cursor = conn.executemany(
                "INSERT OR IGNORE INTO leads (tenant, lead_id, import_id, data) VALUES (?,?,?,?)",
                ((lead.tenant, lead.lead_id, lead.import_id, lead.model_dump_json()) for lead in leads),
            )
            return cursor.rowcount  # summed over the rows on both backends; an ignored duplicate counts 0

    def save_import(self, tenant: str, report: ImportReport, file_sha256: str, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO imports (import_id, tenant, file_name, file_sha256, imported_at, report)"
                " VALUES (?,?,?,?,?,?)",
                (report.import_id, tenant, report.file_name, file_sha256, at.isoformat(),
                 report.model_dump_json()),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO import_issues VALUES (?,?,?,?,?,?,?)",
                ((report.import_id, i.row_number, i.field, i.code, i.severity, i.reason_ar, i.reason_en)
                 for i in report.issues),
            )

    def update_import_report(self, report: ImportReport) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE imports SET report = ? WHERE import_id = ?",
                         (report.model_dump_json(), report.import_id))

    def import_issues(self, import_id: str) -> list[ImportIssue]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT row_number, field, code, severity, reason_ar, reason_en FROM import_issues"
                " WHERE import_id = ? ORDER BY row_number, field, code", (import_id,),
            ).fetchall()
        return [ImportIssue(row_number=r[0], field=r[1], code=r[2], severity=r[3], reason_ar=r[4], reason_en=r[5])
                for r in rows]

    def leads(self, tenant: str, *, active_only: bool = True) -> list[Lead]:
        """Leads of a tenant in a stable order (by id); merged ones only when asked."""
        sql = (_ACTIVE_LEADS if active_only else _ALL_LEADS)
        with self._db.read() as conn:
            stored = [r[0] for r in conn.execute(sql, (tenant,))]
        with paused_gc():
            return LeadReader().read(stored)  # stored when validated: read back without validating again

    def count_leads(self, tenant: str) -> int:
        with self._db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM leads WHERE tenant = ?", (tenant,)).fetchone()[0])

    # -- merges -------------------------------------------------------------------------------
    def record_merges(self, tenant: str, merges: Iterable[MergeRecord]) -> list[MergeRecord]:
        """Record merges not recorded before and mark merged leads; returns the new ones."""
        added: list[MergeRecord] = []
        with self._db.transaction() as conn:
            for m in merges:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO merges VALUES (?,?,?,?,?,?,?,?,?,NULL)",
                    (m.merge_id, tenant, m.kept_id, m.merged_id, m.rule, m.score, m.evidence_ar,
                     m.evidence_en, m.created_at.isoformat()),
                )
                if cursor.rowcount:
                    added.append(m)
                conn.execute("UPDATE leads SET merged_into = ? WHERE tenant = ? AND lead_id = ?",
                             (m.kept_id, tenant, m.merged_id))
        return added

    def merges(self, tenant: str, *, include_undone: bool = False) -> list[MergeRecord]:
        sql = _ALL_MERGES if include_undone else _LIVE_MERGES
        with self._db.read() as conn:
            rows = conn.execute(sql, (tenant,)).fetchall()
        return [
            MergeRecord(merge_id=r[0], kept_id=r[2], merged_id=r[3], rule=r[4], score=r[5], evidence_ar=r[6],
                        evidence_en=r[7], created_at=datetime.fromisoformat(r[8]),
                        undone_at=datetime.fromisoformat(r[9]) if r[9] else None)
            for r in rows
        ]

    def unmerge(self, tenant: str, merge_id: str, at: datetime) -> MergeRecord:
        """Undo one merge: the merged lead is active again and the pair is never merged again."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT kept_id, merged_id FROM merges WHERE tenant = ? AND merge_id = ? AND undone_at IS NULL",
                (tenant, merge_id),
            ).fetchone()
            if row is None:
                raise MergeNotFound(merge_id)
            kept, merged = row
            conn.execute("UPDATE merges SET undone_at = ? WHERE merge_id = ?", (at.isoformat(), merge_id))
            conn.execute("UPDATE leads SET merged_into = NULL WHERE tenant = ? AND lead_id = ?", (tenant, merged))
            conn.execute("INSERT OR IGNORE INTO merge_vetoes VALUES (?,?,?)", (tenant, *sorted((kept, merged))))
        return next(m for m in self.merges(tenant, include_undone=True) if m.merge_id == merge_id)

    def merge_vetoes(self, tenant: str) -> set[tuple[str, str]]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT a, b FROM merge_vetoes WHERE tenant = ?", (tenant,)).fetchall()
        return {(r[0], r[1]) for r in rows}

    # -- do-not-contact and outreach history ----------------------------------------------------
    def add_do_not_contact(self, tenant: str, entries: Iterable[tuple[DncKind, str]], reason: str,
                           at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO do_not_contact VALUES (?,?,?,?,?)",
                ((tenant, kind, value, reason, at.isoformat()) for kind, value in entries),
            )

    def do_not_contact(self, tenant: str) -> set[tuple[str, str]]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT kind, value FROM do_not_contact WHERE tenant = ?", (tenant,)).fetchall()
        return {(r[0], r[1]) for r in rows}

    def record_touch(self, tenant: str, lead_id: str, channel: str, at: datetime, *, replied: bool = False) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO touches (tenant, lead_id, channel, at, replied) VALUES (?,?,?,?,?)",
                         (tenant, lead_id, channel, at.astimezone(UTC).isoformat(), int(replied)))

    # -- data subject access and erasure (PDPL) -----------------------------------------------
    def contact_records(self, tenant: str, lead_id: str) -> ContactRecords:
        """The lead, the leads merged into it (the same person), their merges, touches and row issues."""
        with self._db.read() as conn:
            leads = [Lead.model_validate_json(r[0]) for r in conn.execute(
                "SELECT data FROM leads WHERE tenant = ? AND (lead_id = ? OR merged_into = ?) ORDER BY lead_id",
                (tenant, lead_id, lead_id))]
            ids = [lead.lead_id for lead in leads] or [lead_id]
            marks = ",".join("?" * len(ids))
            merges = [m for m in self.merges(tenant, include_undone=True) if m.kept_id in ids or m.merged_id in ids]
            touches = [Touch(r[0], r[1], datetime.fromisoformat(r[2]), bool(r[3])) for r in conn.execute(
                f"SELECT lead_id, channel, at, replied FROM touches WHERE tenant = ? AND lead_id IN ({marks})"  # noqa: S608
                " ORDER BY at, id", (tenant, *ids))]
            issues = [issue for lead in leads for issue in self._row_issues(conn, lead)]
            dnc = {(r[0], r[1]) for r in conn.execute(
                "SELECT kind, value FROM do_not_contact WHERE tenant = ?", (tenant,))}
        held = {("lead", i) for i in ids} | {("email", lead.email) for lead in leads if lead.email} | {
            ("phone", lead.phone.e164) for lead in leads if lead.phone}
        return ContactRecords(leads=leads, merges=merges, touches=touches, issues=issues,
                              do_not_contact=sorted(held & dnc))

    def erase_contact(self, tenant: str, lead_id: str, at: datetime) -> dict[str, int]:
        """Delete the lead (and the leads merged into it), its touches and row issues; scrub merge evidence.

        The lead id goes on the do-not-contact list, so a re-import of the same person is not
        contacted again. Do-not-contact entries for its phone or email are kept: they are how an
        opt-out keeps being honoured.
        """
        records = self.contact_records(tenant, lead_id)
        ids = [lead.lead_id for lead in records.leads]
        rows = {(lead.import_id, lead.row_number) for lead in records.leads}
        self._db.secure_erase()
        with self._db.transaction() as conn:
            marks = ",".join("?" * len(ids)) or "NULL"
            conn.execute(f"DELETE FROM leads WHERE tenant = ? AND lead_id IN ({marks})", (tenant, *ids))  # noqa: S608
            conn.execute(f"DELETE FROM touches WHERE tenant = ? AND lead_id IN ({marks})", (tenant, *ids))  # noqa: S608
            conn.execute(f"DELETE FROM contact_points WHERE tenant = ? AND lead_id IN ({marks})",  # noqa: S608
                         (tenant, *ids))
            for import_id, row_number in rows:
                conn.execute("DELETE FROM import_issues WHERE import_id = ? AND row_number = ?",
                             (import_id, row_number))
            for merge in records.merges:
                conn.execute("UPDATE merges SET evidence_ar = ?, evidence_en = ? WHERE merge_id = ?",
                             (ERASED_AR, ERASED_EN, merge.merge_id))
            for import_id in {i for i, _ in rows}:
                self._scrub_report(conn, import_id, {r for i, r in rows if i == import_id},
                                   {m.merge_id for m in records.merges})
            conn.execute("INSERT OR IGNORE INTO do_not_contact VALUES (?,?,?,?,?)",
                         (tenant, "lead", lead_id, "privacy_erasure", at.isoformat()))
        self._db.compact()
        return {"leads": len(ids), "touches": len(records.touches), "import_issues": len(records.issues),
                "merges_scrubbed": len(records.merges)}

    def _row_issues(self, conn: Conn, lead: Lead) -> list[ImportIssue]:
        rows = conn.execute(
            "SELECT row_number, field, code, severity, reason_ar, reason_en FROM import_issues"
            " WHERE import_id = ? AND row_number = ? ORDER BY field, code", (lead.import_id, lead.row_number),
        ).fetchall()
        return [ImportIssue(row_number=r[0], field=r[1], code=r[2], severity=r[3], reason_ar=r[4], reason_en=r[5])
                for r in rows]

    def _scrub_report(self, conn: Conn, import_id: str, row_numbers: set[int],
                      merge_ids: set[str]) -> None:
        row = conn.execute("SELECT report FROM imports WHERE import_id = ?", (import_id,)).fetchone()
        if row is None:
            return
        report = ImportReport.model_validate_json(row[0])
        report = report.model_copy(update={
            "issues": [i for i in report.issues if i.row_number not in row_numbers],
            "merges": [m.model_copy(update={"evidence_ar": ERASED_AR, "evidence_en": ERASED_EN})
                       if m.merge_id in merge_ids else m for m in report.merges]})
        conn.execute("UPDATE imports SET report = ? WHERE import_id = ?", (report.model_dump_json(), import_id))

    def touches(self, tenant: str, since: datetime) -> list[Touch]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT lead_id, channel, at, replied FROM touches WHERE tenant = ? AND at >= ? ORDER BY at, id",
                (tenant, since.astimezone(UTC).isoformat()),
            ).fetchall()
        return [Touch(r[0], r[1], datetime.fromisoformat(r[2]), bool(r[3])) for r in rows]

    # -- one lead and its contact points (the gateway's recipient checks) -------------------------
    def lead_group(self, tenant: str, lead_id: str) -> list[Lead]:
        """The kept lead for ``lead_id`` (itself, or the lead it was merged into) first, then the leads
        merged into it; empty when the id is unknown."""
        with self._db.read() as conn:
            rows = conn.execute(_GROUP, (tenant, lead_id, tenant, lead_id)).fetchall()  # most leads: this one read
            own = next((r for r in rows if r[0] == lead_id), None)
            if own is None:
                return []
            kept = lead_id
            if own[1] is not None:  # merged into another lead: the group is the kept lead's
                kept = own[1]
                for _ in range(8):  # a merged lead points at its kept one; chains are short
                    row = conn.execute("SELECT merged_into FROM leads WHERE tenant = ? AND lead_id = ?",
                                       (tenant, kept)).fetchone()
                    if row is None:
                        return []
                    if row[0] is None:
                        break
                    kept = row[0]
                rows = conn.execute(_GROUP, (tenant, kept, tenant, kept)).fetchall()
        merged = sorted((Lead.model_validate_json(r[2]) for r in rows if r[0] != kept), key=lambda lead: lead.lead_id)
        return [*(Lead.model_validate_json(r[2]) for r in rows if r[0] == kept), *merged]

    def lead_ids_with_address(self, tenant: str, value: str) -> list[str]:
        """Kept lead ids that have ``value`` (an E.164 phone or a lower-cased email) as a contact point,
        on the lead itself, on a lead merged into it, or added later."""
        # One indexed lookup each: the expression must read exactly as the index's for SQLite to use it.
        own = _BY_EMAIL if "@" in value else _BY_PHONE
        with self._db.read() as conn:
            rows = conn.execute(f"{own} UNION {_ADDED_POINT}", (tenant, value, tenant, value)).fetchall()
        return sorted({r[0] for r in rows})

    def contact_points(self, tenant: str, lead_ids: Iterable[str]) -> set[str]:
        """Addresses added to any of ``lead_ids`` after import."""
        ids = list(lead_ids)
        if not ids:
            return set()
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT value FROM contact_points WHERE tenant = ? AND lead_id IN ({','.join('?' * len(ids))})",  # noqa: S608
                (tenant, *ids)).fetchall()
        return {r[0] for r in rows}

    def add_contact_point(self, tenant: str, lead_id: str, kind: Literal["email", "phone"], value: str,
                          at: datetime, by: str) -> None:
        """Add a normalised address to a lead (kept once; the gateway audits who added it)."""
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO contact_points VALUES (?,?,?,?,?,?)",
                         (tenant, lead_id, kind, value, at.astimezone(UTC).isoformat(), by))

    def touches_of(self, tenant: str, lead_ids: Iterable[str], *, limit: int = 5) -> list[Touch]:
        """The latest touches of any of ``lead_ids``, newest first."""
        ids = list(lead_ids)
        if not ids:
            return []
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT lead_id, channel, at, replied FROM touches WHERE tenant = ?"  # noqa: S608
                f" AND lead_id IN ({','.join('?' * len(ids))}) ORDER BY at DESC, id DESC LIMIT ?",
                (tenant, *ids, limit)).fetchall()
        return [Touch(r[0], r[1], datetime.fromisoformat(r[2]), bool(r[3])) for r in rows]

    def leads_by_id(self, tenant: str, lead_ids: Iterable[str]) -> list[Lead]:
        ids = list(dict.fromkeys(lead_ids))
        found: list[Lead] = []
        with self._db.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                found += [Lead.model_validate_json(r[0]) for r in conn.execute(
                    f"SELECT data FROM leads WHERE tenant = ? AND lead_id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                    (tenant, *chunk))]
        return found

    def company_members(self, tenant: str, lead_ids: Iterable[str]) -> list[CompanyMember]:
        """What company grouping needs of each of ``lead_ids`` (:func:`skills.targeting.dedupe.company_groups`),
        read as four values a lead instead of building each lead: a recipient check groups every lead
        touched in the cooling-off window, which grows with the tenant's outreach."""
        ids = list(dict.fromkeys(lead_ids))
        found: list[CompanyMember] = []
        with self._db.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found += [CompanyMember(r[0], r[1], r[2], r[3]) for r in conn.execute(
                    f"{_COMPANY_FACTS} AND lead_id IN ({marks})", (tenant, *chunk))]
        return found

    def import_file_name(self, import_id: str) -> str | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT file_name FROM imports WHERE import_id = ?", (import_id,)).fetchone()
        return row[0] if row is not None else None


def lead_still_known(repository: TargetingRepository, tenant: str, lead_id: str) -> bool:
    """Whether ``lead_id`` (or the lead it was merged into) is still in ``repository``'s directory; an
    erased contact is not (:meth:`erase_contact`). Read through a store opened for the question (a run's
    repository may be closed by the time it is asked), except an in-memory one, which lives only in its
    object."""
    if str(repository.path) == ":memory:":
        return bool(repository.lead_group(tenant, lead_id))
    fresh = TargetingRepository(repository.path)
    try:
        return bool(fresh.lead_group(tenant, lead_id))
    finally:
        fresh.close()
