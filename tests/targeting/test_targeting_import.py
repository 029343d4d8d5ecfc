"""Import: encodings, header variants, broken rows, idempotent re-import, progress, file-level errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from targeting_corpus import (
    AR_HEADERS,
    AR_ROWS,
    EN_HEADERS,
    EN_ROWS,
    broken_csv,
    write_csv,
    write_json,
    write_xlsx,
)

from skills.targeting.errors import MissingCompanyColumn, UnreadableFile, UnsupportedFormat
from skills.targeting.models import ImportReport
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService


def _companies(repository: TargetingRepository) -> set[str]:
    return {lead.company_name for lead in repository.leads("t1", active_only=False)}


@pytest.mark.parametrize(("encoding", "delimiter", "detected"), [
    ("utf-8", ",", "utf-8"),
    ("utf-8-sig", ",", "utf-8-sig"),
    ("cp1256", ",", "cp1256"),
    ("utf-16", "\t", "utf-16"),          # Excel "Unicode text": UTF-16 LE with BOM, tab-separated
    ("utf-8", ";", "utf-8"),
])
def test_arabic_csv_in_every_excel_encoding_imports_intact(
    tmp_path: Path, service: TargetingService, repository: TargetingRepository,
    encoding: str, delimiter: str, detected: str,
) -> None:
    path = write_csv(tmp_path / "leads.csv", AR_HEADERS, AR_ROWS, encoding=encoding, delimiter=delimiter)
    report = service.import_file(path)
    assert report.encoding == detected
    assert report.imported == len(AR_ROWS) and report.rejected == 0
    assert _companies(repository) == {row[0] for row in AR_ROWS}


def test_english_headers_and_mixed_digit_phones_import(tmp_path: Path, service: TargetingService,
                                                       repository: TargetingRepository) -> None:
    report = service.import_file(write_csv(tmp_path / "en.csv", EN_HEADERS, EN_ROWS))
    assert report.imported == len(EN_ROWS)
    phones = {lead.phone.e164 for lead in repository.leads("t1") if lead.phone}
    assert phones == {"+966550001001", "+966550001013"}


@pytest.mark.parametrize("header", ["اسم الشركة", "الشركة", "company", "Company Name", "company_name", "COMPANY-NAME",
                                    "اسم المنشأة"])
def test_company_header_synonyms_all_map_to_company_name(tmp_path: Path, service: TargetingService,
                                                         header: str) -> None:
    path = write_csv(tmp_path / "h.csv", [header, "email"], [["Test Co", "t@test.example.com"]])
    report = service.import_file(path)
    assert report.header_map[header] == "company_name" and report.imported == 1


def test_arabic_and_english_synonyms_map_to_the_same_fields(tmp_path: Path, service: TargetingService) -> None:
    ar = service.import_file(write_csv(tmp_path / "ar.csv", AR_HEADERS, AR_ROWS)).header_map
    en = service.import_file(write_csv(tmp_path / "en.csv", EN_HEADERS, EN_ROWS)).header_map
    assert list(ar.values()) == list(en.values())
    assert None not in ar.values()


def test_xlsx_with_numeric_phone_cells_imports(tmp_path: Path, service: TargetingService,
                                               repository: TargetingRepository) -> None:
    rows: list[list[object]] = [
        ["شركة قمم", "زياد", "CTO", 550001020, "ziad@qimam.example.sa", "أبها", "crm_export", ""],
    ]
    report = service.import_file(write_xlsx(tmp_path / "leads.xlsx", AR_HEADERS, rows))
    assert report.file_format == "xlsx" and report.imported == 1
    lead = repository.leads("t1")[0]
    assert lead.phone is not None and lead.phone.e164 == "+966550001020"


@pytest.mark.parametrize("wrap", [False, True])
def test_json_list_or_leads_object_imports(tmp_path: Path, service: TargetingService, wrap: bool) -> None:
    report = service.import_file(write_json(tmp_path / "leads.json", EN_HEADERS, EN_ROWS, wrap=wrap))
    assert report.file_format == "json" and report.imported == len(EN_ROWS)


def test_a_json_item_that_is_not_an_object_is_rejected_with_a_reason(tmp_path: Path,
                                                                      service: TargetingService) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"company": "A", "email": "a@a.example.com"}, "oops"]), encoding="utf-8")
    report = service.import_file(path)
    assert report.imported == 1 and report.rejected == 1
    assert report.issues[0].code == "not_an_object" and report.issues[0].row_number == 2


@pytest.fixture
def broken_report(tmp_path: Path, service: TargetingService) -> ImportReport:
    return service.import_file(broken_csv(tmp_path / "broken.csv"))


def test_nothing_is_silently_dropped(broken_report: ImportReport) -> None:
    r = broken_report
    assert r.rows_read == r.imported + r.already_present + r.rejected + r.duplicates_in_file + r.blank_rows


@pytest.mark.parametrize(("row", "field", "code", "severity"), [
    (3, "row", "row_shape", "error"),
    (4, "company_name", "missing_company", "error"),
    (5, "phone", "invalid_phone", "warning"),
    (6, "row", "no_contact_point", "error"),
    (8, "row", "duplicate_in_file", "warning"),
    (9, "row", "row_shape", "error"),
])
def test_each_broken_row_is_reported_with_field_and_reasons(broken_report: ImportReport, row: int, field: str,
                                                           code: str, severity: str) -> None:
    issue = next(i for i in broken_report.issues if i.row_number == row and i.code == code)
    assert (issue.field, issue.severity) == (field, severity)
    assert issue.reason_ar and issue.reason_en and issue.reason_ar != issue.reason_en


def test_a_row_with_a_bad_phone_but_a_good_email_is_kept(broken_report: ImportReport,
                                                         repository: TargetingRepository) -> None:
    lead = next(lead for lead in repository.leads("t1") if lead.company_name == "BadPhone Co")
    assert lead.phone is None and lead.email == "huda@badphone.example.com"


def test_issues_are_stored_with_the_import(broken_report: ImportReport, repository: TargetingRepository) -> None:
    assert repository.import_issues(broken_report.import_id) == broken_report.issues


def test_reimporting_the_same_file_is_idempotent(tmp_path: Path, service: TargetingService,
                                                 repository: TargetingRepository) -> None:
    path = write_csv(tmp_path / "leads.csv", AR_HEADERS, AR_ROWS + EN_ROWS)
    first = service.import_file(path)
    leads_before, merges_before = repository.count_leads("t1"), repository.merges("t1")
    second = service.import_file(path)
    assert (second.import_id, second.imported, second.already_present) == (first.import_id, 0, first.imported)
    assert second.merges == []
    assert repository.count_leads("t1") == leads_before and repository.merges("t1") == merges_before


def test_progress_reaches_the_file_size(tmp_path: Path, service: TargetingService) -> None:
    rows = [[f"Co {i}", f"Person {i}", "CEO", f"05500{i:05d}", f"p{i}@co{i}.example.com", "Riyadh", "crm_export", ""]
            for i in range(3000)]
    path = write_csv(tmp_path / "big.csv", EN_HEADERS, rows)
    seen: list[tuple[int, int]] = []
    report = service.import_file(path, progress=lambda done, total: seen.append((done, total)))
    assert report.imported == 3000
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_unsupported_file_type_is_refused_in_arabic(tmp_path: Path, service: TargetingService) -> None:
    path = tmp_path / "leads.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(UnsupportedFormat) as error:
        service.import_file(path)
    assert "CSV" in error.value.message_ar


def test_a_file_without_a_company_column_is_refused(tmp_path: Path, service: TargetingService) -> None:
    with pytest.raises(MissingCompanyColumn):
        service.import_file(write_csv(tmp_path / "x.csv", ["name", "email"], [["A", "a@a.example.com"]]))


def test_a_damaged_json_file_is_reported_as_unreadable(tmp_path: Path, service: TargetingService) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[{\"company\": ", encoding="utf-8")
    with pytest.raises(UnreadableFile):
        service.import_file(path)


def test_unmapped_columns_are_kept_on_the_lead(tmp_path: Path, service: TargetingService,
                                               repository: TargetingRepository) -> None:
    service.import_file(write_csv(tmp_path / "x.csv", ["company", "email", "Fleet size"],
                                  [["A Co", "a@a.example.com", "40 trucks"]]))
    assert repository.leads("t1")[0].extras == {"Fleet size": "40 trucks"}
