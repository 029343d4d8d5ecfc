"""Data subject access and erasure across every Dealix store, for one contact of one tenant.

    export(contact) ─▶ targeting leads · consent history · approvals · ledger entries · outbox files
                       · memory points · support tickets · threads · other stores naming it
    erase(contact)  ─▶ the same stores erased or pseudonymised, outbox files deleted, memory points
                       deleted, (threads deleted on request), one privacy_erasure audit event,
                       then the audit chain verified and the data dir scanned for what remains

The contact id is a lead id (the Targeting OS's ``ld_…`` or the autopilot's ``lead_…``: digests,
pseudonyms, not personal data), so the audit log keeps it and stays verifiable. Other ids of the
same person in the gateway's store (reached at the same email or phone) are found and treated
the same way. Both operations are recorded in the audit log (``privacy_export``, ``privacy_erasure``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from agents import learning
from dealix.privacy import residual, support
from dealix.privacy.models import ContactExport, ErasureReport, Residual, Retained, text
from dealix.settings import Settings
from dealix.wiring import build_masker, open_store
from skills.targeting.factory import targeting_db_path
from skills.targeting.repository import ContactRecords, TargetingRepository
from tools import privacy
from tools.audit import AuditLog
from tools.memory import Memory, MemoryUnavailable, open_memory
from tools.memory.errors import EmbeddingError
from tools.saudi_time import Clock, system_clock
from tools.store import Conn, store_exists

GATEWAY_FILE = "dealix.db"
TARGETING_FILE = "targeting.db"
SUPPORT_FILE = "support.db"
CHECKPOINTS_FILE = "checkpoints.db"
THREADS_FILE = "threads.db"


class PrivacyDesk:
    def __init__(self, settings: Settings, *, tenant: str, actor: str = "operator", clock: Clock = system_clock,
                 memory: Memory | None = None) -> None:
        self._settings = settings
        self._tenant = tenant
        self._actor = actor
        self._clock = clock
        self._masker = build_masker(settings)
        self._memory = memory

    # ------------------------------------------------------------------ access
    def export(self, contact_id: str) -> ContactExport:
        learning.drain()  # a draft this process approved is in the memory before the memory is read
        store = open_store(self._settings)
        try:
            records = self._targeting_records(contact_id)
            with store.read() as conn:
                ids = self._ids(conn, contact_id, records)
                gateway = _merged([privacy.contact_records(conn, self._tenant, i) for i in ids])
                addresses = {a for i in ids for a in privacy.contact_addresses(conn, self._tenant, i)}
                decided = {t for i in ids for t in privacy.decided_threads(conn, self._tenant, i)}
            memory = _merged([self._memory_records(i) for i in ids])
            tickets = support.export_tickets(self._path(SUPPORT_FILE), self._tenant, contact_id,
                                             addresses | _addresses(records))
            outbox = [self._outbox_entry(p) for p in _outbox_paths(gateway["ledger"])]
            threads = sorted({a["thread_id"] for a in gateway["approvals"]} | decided)
            covered = {GATEWAY_FILE, TARGETING_FILE, SUPPORT_FILE, *(e["file"] for e in outbox)}
            elsewhere = [r for r in residual.scan(self._settings.data_dir, _identifiers(records, addresses))
                         if r.store not in covered and not r.store.startswith("qdrant/")]
            found = any(gateway[k] for k in ("consent", "approvals", "ledger")) or bool(
                records is not None and records.leads) or bool(tickets) or any(
                v for k, v in memory.items() if k != "error")
            export = ContactExport(
                contact_id=contact_id, also_known_as=[i for i in ids if i != contact_id], tenant=self._tenant,
                generated_at=self._clock(),
                message_ar=text("exported" if found else "not_found").ar, found=found,
                targeting=_targeting_view(records), gateway=gateway, outbox=outbox, memory=memory,
                support=tickets, threads=threads, also_found_in=elsewhere)
            AuditLog(store, key=self._settings.signing_key(), masker=self._masker).record(
                tenant=self._tenant, kind="privacy_export", actor=self._actor, action=None,
                payload={"contact_id": contact_id, "found": found, "sections": _section_counts(export)},
                ts=export.generated_at)
            return export
        finally:
            store.close()

    # ------------------------------------------------------------------ erasure
    def erase(self, contact_id: str, *, delete_threads: bool = False) -> ErasureReport:
        # Drafts this process approved are learned after their answers (agents.learning): what is queued
        # lands first, so the erasure below removes it too. In another process, the learner asks the lead
        # directory again right before it learns, and finds the contact gone.
        learning.drain()
        now = self._clock()
        store = open_store(self._settings)
        try:
            records = self._targeting_records(contact_id)
            with store.read() as conn:
                earlier_ids, earlier_threads = privacy.earlier_erasures(conn, self._tenant, contact_id)
                ids = list(dict.fromkeys([*self._ids(conn, contact_id, records), *sorted(earlier_ids)]))
                addresses = {a for i in ids for a in privacy.contact_addresses(conn, self._tenant, i)}
                approvals = [r for i in ids for r in privacy.contact_records(conn, self._tenant, i)["approvals"]]
                decided = {t for i in ids for t in privacy.decided_threads(conn, self._tenant, i)}
                threads = sorted(earlier_threads | decided | {r["thread_id"] for r in approvals})
            identifiers = _identifiers(records, addresses)
            problems: list[str] = []

            store.secure_erase()
            counts: dict[str, int] = {}
            outbox_paths: list[str] = []
            with store.transaction() as conn:
                for i in ids:
                    done = privacy.erase_contact(conn, self._tenant, i, masker=self._masker,
                                                 key=self._settings.signing_key(), now=now)
                    for key, value in done["counts"].items():
                        counts[key] = counts.get(key, 0) + value
                    outbox_paths.extend(done["outbox_paths"])
            counts["outbox_files"] = self._delete_outbox(outbox_paths)
            if records is not None:
                repository = TargetingRepository(self._path(TARGETING_FILE))
                try:
                    counts.update({f"targeting_{k}": v
                                   for k, v in repository.erase_contact(self._tenant, contact_id, now).items()})
                finally:
                    repository.close()
            counts["support_tickets"] = support.erase_tickets(self._path(SUPPORT_FILE), self._tenant, contact_id,
                                                              addresses | _addresses(records))
            for i in ids:
                memory_counts = self._forget_memory(i)
                if memory_counts is None:
                    problems.append(text("memory_unavailable").ar)
                    break
                for key, value in memory_counts.items():
                    counts[key] = counts.get(key, 0) + value
            deleted = self._delete_threads(threads) if delete_threads else []
            store.compact()

            retained = _retained(records, threads, deleted)
            remaining = residual.scan(self._settings.data_dir, identifiers)
            unexpected = [r for r in remaining if not (r.store == TARGETING_FILE and r.table == "do_not_contact")]
            complete = not unexpected and not problems and not (set(threads) - set(deleted))
            audit = AuditLog(store, key=self._settings.signing_key(), masker=self._masker)
            # Named by what the store keeps of them: an address id by its keyed hash, never the address.
            aliases = [privacy.kept_id(i, key=self._settings.signing_key()) for i in ids if i != contact_id]
            event = audit.record(tenant=self._tenant, kind="privacy_erasure", actor=self._actor, action=None,
                                 payload={"contact_id": contact_id, "also_known_as": aliases, "counts": counts,
                                          "complete": complete, "threads_deleted": len(deleted),
                                          "threads_kept": sorted(set(threads) - set(deleted))}, ts=now)
            verified = audit.verify()
            message = text("erased" if complete else "incomplete")
            return ErasureReport(
                contact_id=contact_id, also_known_as=aliases, tenant=self._tenant, erased_at=now, complete=complete,
                message_ar=" ".join([message.ar, *problems]), message_en=message.en, counts=counts,
                outbox_files_deleted=counts["outbox_files"], threads_deleted=deleted, retained=retained,
                residual=unexpected, audit_event=event.event_id, audit_chain_ok=verified.ok)
        finally:
            store.close()

    # ------------------------------------------------------------------ stores
    def _ids(self, conn: Conn, contact_id: str, records: ContactRecords | None) -> list[str]:
        """The contact id first, then other ids of the same person in the gateway's store."""
        addresses = privacy.contact_addresses(conn, self._tenant, contact_id) | _addresses(records)
        # A spent approval keeps its recipient as a keyed pseudonym (tools.approvals): look for those too.
        addresses |= {self._masker.tag("TO", form) for a in addresses for form in (a.strip(), a.strip().lower())}
        return [contact_id, *sorted(privacy.same_person(conn, self._tenant, addresses) - {contact_id})]

    def _path(self, name: str) -> Path:
        return self._settings.data_dir / name

    def _targeting_records(self, contact_id: str) -> ContactRecords | None:
        path = targeting_db_path(self._settings)
        if not store_exists(path):
            return None
        repository = TargetingRepository(path)
        try:
            return repository.contact_records(self._tenant, contact_id)
        finally:
            repository.close()

    def _open_memory(self) -> Memory:
        if self._memory is None:
            self._memory = open_memory(self._settings, masker=self._masker, clock=self._clock)
        return self._memory

    def _memory_records(self, contact_id: str) -> dict[str, Any]:
        try:
            memory = self._open_memory()
            with memory.store.session():
                return {
                    "approved_examples": [e.model_dump(mode="json")
                                          for e in memory.examples.for_contact(self._tenant, contact_id)],
                    "similar_leads": memory.leads.for_contact(self._tenant, contact_id),
                    "proof_docs": memory.proof.for_contact(self._tenant, contact_id),
                }
        except (MemoryUnavailable, EmbeddingError) as exc:
            return {"error": exc.message_ar}

    def _forget_memory(self, contact_id: str) -> dict[str, int] | None:
        try:
            memory = self._open_memory()
            with memory.store.session():
                return {"memory_examples": memory.examples.forget_contact(self._tenant, contact_id),
                        "memory_leads": memory.leads.forget_contact(self._tenant, contact_id),
                        "memory_proof": memory.proof.forget_contact(self._tenant, contact_id)}
        except (MemoryUnavailable, EmbeddingError):
            return None

    def _outbox_entry(self, path: Path) -> dict[str, Any]:
        name = path.relative_to(self._settings.data_dir).as_posix()
        exists = path.is_file()
        return {"file": name, "exists": exists,
                "text": path.read_text(encoding="utf-8", errors="replace") if exists else None}

    def _delete_outbox(self, paths: list[str]) -> int:
        deleted = 0
        for path in _outbox_paths([{"result": {"outbox_path": p}} for p in paths]):
            if _inside(path, self._settings.outbox_dir) and path.is_file():
                path.unlink()
                deleted += 1
        return deleted

    def _delete_threads(self, threads: list[str]) -> list[str]:
        from graphs.checkpoint import open_checkpointer

        if not threads:
            return []
        with open_checkpointer(self._settings) as saver:
            for thread_id in threads:
                saver.delete_thread(thread_id)
        book = self._path(THREADS_FILE)
        if book.exists():  # the thread list too: its title and who started it
            with closing(sqlite3.connect(book)) as conn, conn:
                conn.executemany("DELETE FROM threads WHERE thread_id = ?", [(t,) for t in threads])
        path = self._path(CHECKPOINTS_FILE)
        if not self._settings.uses_postgres and path.exists():
            # Deleted rows leave their bytes in free pages: rebuild the file without them.
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("VACUUM")
        return threads


def _merged(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Section-wise concatenation of several ids' records (lists joined; other values: the first)."""
    out: dict[str, Any] = {}
    for section in sections:
        for key, value in section.items():
            if isinstance(value, list):
                out.setdefault(key, []).extend(value)
            else:
                out.setdefault(key, value)
    return out


def _outbox_paths(ledger: list[dict[str, Any]]) -> list[Path]:
    paths = []
    for row in ledger:
        result = row.get("result") or {}
        value = result.get("outbox_path") if isinstance(result, dict) else None
        if isinstance(value, str) and value:
            paths.append(Path(value))
    return paths


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _addresses(records: ContactRecords | None) -> set[str]:
    if records is None:
        return set()
    found = {lead.email for lead in records.leads if lead.email}
    found |= {lead.phone.e164 for lead in records.leads if lead.phone}
    return found


def _identifiers(records: ContactRecords | None, addresses: set[str]) -> set[str]:
    found = set(addresses) | _addresses(records)
    for lead in records.leads if records is not None else []:
        if lead.phone is not None:
            found.add(lead.phone.raw)
            found.add("0" + lead.phone.e164.removeprefix("+966"))
        if lead.contact_name:
            found.add(lead.contact_name)
    return found


def _targeting_view(records: ContactRecords | None) -> dict[str, Any]:
    if records is None:
        return {"leads": [], "merges": [], "touches": [], "import_issues": [], "do_not_contact": []}
    return {
        "leads": [lead.model_dump(mode="json") for lead in records.leads],
        "merges": [m.model_dump(mode="json") for m in records.merges],
        "touches": [{"lead_id": t.lead_id, "channel": t.channel, "at": t.at.isoformat(), "replied": t.replied}
                    for t in records.touches],
        "import_issues": [i.model_dump(mode="json") for i in records.issues],
        "do_not_contact": [{"kind": k, "value": v} for k, v in records.do_not_contact],
    }


def _section_counts(export: ContactExport) -> dict[str, int]:
    return {"leads": len(export.targeting["leads"]), "consent": len(export.gateway["consent"]),
            "approvals": len(export.gateway["approvals"]), "ledger": len(export.gateway["ledger"]),
            "outbox": len(export.outbox), "tickets": len(export.support), "threads": len(export.threads)}


def _retained(records: ContactRecords | None, threads: list[str], deleted: list[str]) -> list[Retained]:
    kept = [Retained(what="audit_log", reason_ar=text("retained.audit_log").ar,
                     reason_en=text("retained.audit_log").en, where=[GATEWAY_FILE])]
    dnc = [f"{kind}" for kind, _ in records.do_not_contact if kind != "lead"] if records is not None else []
    if dnc:
        kept.append(Retained(what="do_not_contact", reason_ar=text("retained.do_not_contact").ar,
                             reason_en=text("retained.do_not_contact").en, where=[TARGETING_FILE]))
    left = sorted(set(threads) - set(deleted))
    if left:
        kept.append(Retained(what="threads", reason_ar=text("retained.threads").ar,
                             reason_en=text("retained.threads").en, where=left))
    return kept


__all__ = ["PrivacyDesk", "Residual"]
