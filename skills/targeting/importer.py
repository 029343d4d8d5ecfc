"""Import a lead file into the repository, row by row, streamed in batches.

Valid rows are stored; every row that is not is in the report with its reasons; blank lines are
counted; exact repeats inside the file are reported against the first row. Re-importing the same
file is idempotent: lead ids are digests of the normalised identity, and the import id is a
digest of the tenant and the file's bytes. Opt-outs written in the file go to the
do-not-contact list at once, so they hold for every lead sharing that phone or email.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from skills.targeting.bulk import paused_gc
from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.dedupe import merge_id_for
from skills.targeting.errors import MissingCompanyColumn
from skills.targeting.models import ImportIssue, ImportReport, Lead, MergeRecord
from skills.targeting.normalize import RowNormalizer, map_headers
from skills.targeting.readers import Progress, open_table
from skills.targeting.repository import DncKind, TargetingRepository

BATCH = 5000
OPT_OUT_REASON = "opt_out_in_import"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    path: Path,
    *,
    tenant: str,
    repository: TargetingRepository,
    clock: Callable[[], datetime],
    file_name: str | None = None,
    progress: Progress | None = None,
    catalog: Catalog | None = None,
) -> ImportReport:
    """Read, normalise and store one file; returns the import report (without dedupe results)."""
    with paused_gc():
        return _import(path, tenant=tenant, repository=repository, clock=clock, file_name=file_name,
                       progress=progress, catalog=catalog or load_catalog())


def _import(path: Path, *, tenant: str, repository: TargetingRepository, clock: Callable[[], datetime],
            file_name: str | None, progress: Progress | None, catalog: Catalog) -> ImportReport:
    sha = file_sha256(path)
    import_id = "imp_" + hashlib.sha256(f"{tenant}\x1f{sha}".encode()).hexdigest()[:16]
    table = open_table(path, progress)
    header_map = map_headers(table.headers)
    if "company_name" not in header_map.fields:
        raise MissingCompanyColumn(table.headers)
    normalizer = RowNormalizer(header_map, tenant=tenant, import_id=import_id, catalog=catalog,
                               file_name=file_name or path.name)

    issues: list[ImportIssue] = []
    first_row: dict[str, int] = {}
    first: dict[str, Lead] = {}
    folded: list[tuple[Lead, Lead, list[str]]] = []  # (first, duplicate, fields that differ)
    batch: list[Lead] = []
    rows_read = imported = valid = duplicates = rejected = 0
    opt_outs: list[tuple[DncKind, str]] = []
    for raw in table.rows:
        rows_read += 1
        result = normalizer.normalize(raw)
        issues.extend(result.issues)
        lead = result.lead
        if lead is None:
            rejected += 1
            continue
        if lead.consent_mark == "opt_out":  # a duplicate row's opt-out is the person's opt-out too
            opt_outs.extend(_opt_out_entries(lead))
        if lead.lead_id in first_row:
            duplicates += 1
            differs = _differences(first[lead.lead_id], lead)
            if differs:
                # Same person, but not the same row: keep it, merged, with a record that says what differs.
                folded.append((first[lead.lead_id], _distinct(lead), differs))
                issues.append(_near_duplicate(catalog, raw.row_number, first_row[lead.lead_id], differs))
            else:
                issues.append(_duplicate(catalog, raw.row_number, first_row[lead.lead_id]))
            continue
        first_row[lead.lead_id] = raw.row_number
        first[lead.lead_id] = lead
        valid += 1
        batch.append(lead)
        if len(batch) >= BATCH:
            imported += repository.add_leads(batch)
            batch.clear()
    imported += repository.add_leads(batch)
    now = clock()
    if opt_outs:
        repository.add_do_not_contact(tenant, opt_outs, OPT_OUT_REASON, now)
    merges: list[MergeRecord] = []
    if folded:
        repository.add_leads(dup for _, dup, _ in folded)
        merges = repository.record_merges(tenant, [_fold_record(catalog, kept, dup, differs, now)
                                                  for kept, dup, differs in folded])

    report = ImportReport(
        import_id=import_id, file_name=file_name or path.name, file_format=table.file_format,
        encoding=table.encoding, rows_read=rows_read + len(table.blank_rows), imported=imported,
        already_present=valid - imported, duplicates_in_file=duplicates, rejected=rejected,
        blank_rows=len(table.blank_rows), issues=sorted(issues, key=lambda i: (i.row_number, i.field, i.code)),
        header_map=header_map.as_report(), merges=merges,
    )
    repository.save_import(tenant, report, sha, now)
    return report


def _opt_out_entries(lead: Lead) -> list[tuple[DncKind, str]]:
    entries: list[tuple[DncKind, str]] = [("lead", lead.lead_id)]
    if lead.phone is not None:
        entries.append(("phone", lead.phone.e164))
    if lead.email is not None:
        entries.append(("email", lead.email))
    return entries


# What two rows of one identity (company, contact, phone, email) may differ in; row and ids do not count.
_COMPARED = ("company_name", "contact_name", "title", "phone", "email", "city_raw", "source", "notes", "website",
             "cr_number", "employees", "sector_raw", "consent_mark", "extras")


def _differences(a: Lead, b: Lead) -> list[str]:
    return [name for name in _COMPARED if getattr(a, name) != getattr(b, name)]


def _distinct(lead: Lead) -> Lead:
    """The duplicate row as a lead of its own (its id names the row), so it can be merged and unmerged."""
    digest = hashlib.sha256(f"{lead.lead_id}\x1f{lead.import_id}\x1f{lead.row_number}".encode()).hexdigest()
    return lead.model_copy(update={"lead_id": f"ld_{digest[:20]}"})


def _fold_record(catalog: Catalog, kept: Lead, dup: Lead, differs: list[str], now: datetime) -> MergeRecord:
    names = [catalog.name_ar("field", f) for f in differs]
    text = catalog.message("dedupe", "same_identity", first_row=kept.row_number, row=dup.row_number,
                           fields_ar="، ".join(names), fields_en=", ".join(differs))
    return MergeRecord(merge_id=merge_id_for(kept.lead_id, dup.lead_id), kept_id=kept.lead_id, merged_id=dup.lead_id,
                       rule="same_identity", score=100.0, evidence_ar=text.ar, evidence_en=text.en, created_at=now)


def _near_duplicate(catalog: Catalog, row: int, first: int, differs: list[str]) -> ImportIssue:
    text = catalog.message("import", "merged_in_file", first_row=first,
                           fields_ar="، ".join(catalog.name_ar("field", f) for f in differs),
                           fields_en=", ".join(differs))
    return ImportIssue(row_number=row, field="row", code="merged_in_file", severity="warning",
                       reason_ar=text.ar, reason_en=text.en)


def _duplicate(catalog: Catalog, row: int, first: int) -> ImportIssue:
    text = catalog.message("import", "duplicate_in_file", first_row=first)
    return ImportIssue(row_number=row, field="row", code="duplicate_in_file", severity="warning",
                       reason_ar=text.ar, reason_en=text.en)
