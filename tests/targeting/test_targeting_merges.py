"""Dedupe across scripts and spellings, and every fold leaves a merge record with its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from targeting_corpus import write_csv
from targeting_support import ServiceFactory

HEADERS = ["Company", "Contact", "Title", "Mobile", "Email", "City", "Source"]


@pytest.mark.parametrize("latin", ["Sara Alotaibi", "Sara Al-Otaibi", "Sara Al Otaibi", "SARA ALOTAIBI"])
@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-16", "\t"), ("utf-8-sig", ",")])
def test_one_person_in_arabic_and_latin_spellings_is_merged(tmp_path: Path, make_service: ServiceFactory,
                                                            latin: str, encoding: str, delimiter: str) -> None:
    rows = [["شركة الندى", "سارة العتيبي", "مديرة", "٠٥٥٠٠٠٥٠٠١", "sara@nada.example.sa", "الرياض", "crm_export"],
            ["Nada Co", latin, "Director", "+966 55 000 5001", "Sara@Nada.example.sa", "Riyadh", "crm_export"]]
    service = make_service()
    report = service.import_file(write_csv(tmp_path / "l.csv", HEADERS, rows, encoding=encoding,
                                           delimiter=delimiter))
    [merge] = report.merges
    assert merge.rule == "same_email" and merge.evidence_ar and len(service.targets()) == 1


def test_aldosari_and_the_arabic_spelling_share_a_mobile_and_merge(tmp_path: Path,
                                                                   make_service: ServiceFactory) -> None:
    rows = [["مؤسسة البيان", "خالد الدوسري", "المدير", "0550005002", "", "جدة", "referral"],
            ["Bayan Est", "Khalid Aldosari", "GM", "00966550005002", "", "Jeddah", "referral"]]
    service = make_service()
    [merge] = service.import_file(write_csv(tmp_path / "l.csv", HEADERS, rows, encoding="cp1256")).merges
    assert merge.rule == "same_mobile"


def test_a_duplicate_that_is_not_exact_is_merged_with_a_record_of_what_differs(tmp_path: Path,
                                                                              make_service: ServiceFactory) -> None:
    rows = [["Nada Co", "Sara Alotaibi", "Director", "0550005003", "sara@nada.example.sa", "Riyadh", "crm_export"],
            ["Nada Co", "Sara Alotaibi", "CEO", "٠٥٥٠٠٠٥٠٠٣", "sara@nada.example.sa", "Jeddah", "crm_export"],
            ["Nada Co", "Sara Alotaibi", "Director", "0550005003", "sara@nada.example.sa", "Riyadh", "crm_export"]]
    service = make_service()
    report = service.import_file(write_csv(tmp_path / "l.csv", HEADERS, rows, encoding="utf-8-sig"))
    assert report.duplicates_in_file == 2
    [merge] = report.merges
    assert merge.rule == "same_identity" and "title" in merge.evidence_en and "city_raw" in merge.evidence_en
    assert "phone" in merge.evidence_en  # the same number, written in other digits
    assert {i.code for i in report.issues if i.row_number == 3} == {"merged_in_file"}
    assert {i.code for i in report.issues if i.row_number == 4} == {"duplicate_in_file"}  # truly exact
    assert len(service.targets()) == 1
    service.unmerge(merge.merge_id)
    assert len(service.targets()) == 2 and service.dedupe() == []  # undone stays undone
