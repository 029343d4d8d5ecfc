"""Dedupe: precision first, across scripts, explained, reversible, never all-pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from targeting_corpus import EN_HEADERS, SUNDAY_10_RIYADH, write_csv

from skills.targeting.dedupe import find_duplicates
from skills.targeting.errors import MergeNotFound
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService

H = EN_HEADERS


def _import(tmp_path: Path, service: TargetingService, rows: list[list[str]]) -> None:
    service.import_file(write_csv(tmp_path / f"f{len(list(tmp_path.iterdir()))}.csv", H, rows))


def test_arabic_and_english_records_sharing_a_mobile_are_merged_with_evidence(
        tmp_path: Path, service: TargetingService, repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["مؤسسة الأفق للمقاولات", "خالد العتيبي", "المدير العام", "0550001003", "", "جدة", "referral", ""],
        ["Horizon Contracting Est.", "Khalid Al Otaibi", "GM", "+966 55 000 1003", "", "Jiddah", "referral", ""],
    ])
    [merge] = repository.merges("t1")
    assert merge.rule == "same_mobile" and merge.score >= 88
    assert "+966550001003" in merge.evidence_ar and "+966550001003" in merge.evidence_en
    assert len(repository.leads("t1")) == 1 and len(repository.leads("t1", active_only=False)) == 2


def test_same_company_domain_and_a_cross_script_name_merge(tmp_path: Path, service: TargetingService,
                                                           repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["شركة النور للتقنية", "أحمد الحربي", "", "", "ahmed@alnoor.example.sa", "الرياض", "crm_export", ""],
        ["Al Noor Technology", "Ahmed Al-Harbi", "", "", "a.harbi@alnoor.example.sa", "Riyadh", "crm_export", ""],
    ])
    [merge] = repository.merges("t1")
    assert merge.rule == "domain_and_name"
    assert "بالعربية" in merge.evidence_ar


def test_two_people_sharing_one_mailbox_are_not_merged(tmp_path: Path, service: TargetingService,
                                                       repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["Waha Trading", "Sara Al Dosari", "", "", "info@waha.example.sa", "Riyadh", "crm_export", ""],
        ["Waha Trading", "Turki Al Mutairi", "", "", "info@waha.example.sa", "Riyadh", "crm_export", ""],
    ])
    assert repository.merges("t1") == []


def test_colleagues_on_one_switchboard_number_are_not_merged(tmp_path: Path, service: TargetingService,
                                                             repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["Waha Trading", "Sara Al Dosari", "", "920012345", "sara@waha.example.sa", "Riyadh", "crm_export", ""],
        ["Waha Trading", "Turki Al Mutairi", "", "920012345", "turki@waha.example.sa", "Riyadh", "crm_export", ""],
    ])
    assert repository.merges("t1") == []


def test_same_name_at_one_company_with_different_mobiles_is_not_merged(
        tmp_path: Path, service: TargetingService, repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["Najd Eng", "Mohammed Ali", "", "0550003001", "m.ali@najd.example.sa", "Riyadh", "crm_export", ""],
        ["Najd Eng", "Mohammed Ali", "", "0550003002", "mohammed.ali@najd.example.sa", "Riyadh", "crm_export", ""],
    ])
    assert repository.merges("t1") == []


def test_an_unmerge_restores_the_lead_and_the_pair_is_never_merged_again(
        tmp_path: Path, service: TargetingService, repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["Masar Logistics", "Abdullah Al-Ghamdi", "COO", "0550001006", "abdullah@masar.example.sa", "Khobar",
         "crm_export", ""],
        ["شركة مسار", "عبدالله الغامدي", "", "0550001006", "abdullah@masar.example.sa", "الخبر", "crm_export", ""],
    ])
    [merge] = repository.merges("t1")
    undone = service.unmerge(merge.merge_id)
    assert undone.undone_at == SUNDAY_10_RIYADH
    assert len(repository.leads("t1")) == 2
    assert service.dedupe() == []
    with pytest.raises(MergeNotFound):
        service.unmerge(merge.merge_id)


def test_kept_lead_is_the_most_complete_one(tmp_path: Path, service: TargetingService,
                                            repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["Sahm", "", "", "0550001013", "", "", "referral", ""],
        ["Sahm Fintech", "Lama Al Qahtani", "CFO", "0550001013", "lama@sahm.example.com", "Riyadh", "referral", "x"],
    ])
    [merge] = repository.merges("t1")
    kept = next(lead for lead in repository.leads("t1") if lead.lead_id == merge.kept_id)
    assert kept.contact_name == "Lama Al Qahtani"


def test_blocking_compares_far_fewer_pairs_than_all_pairs(tmp_path: Path, service: TargetingService,
                                                          repository: TargetingRepository) -> None:
    rows = [[f"Company {i}", f"Person {i} Name{i % 97}", "", f"05501{i:05d}", f"p{i}@c{i}.example.com",
             "Riyadh", "crm_export", ""] for i in range(2000)]
    service.import_file(write_csv(tmp_path / "many.csv", H, rows))
    result = find_duplicates(repository.leads("t1"), now=SUNDAY_10_RIYADH)
    assert result.pairs_compared < 2000  # all pairs would be 1,999,000
    assert result.merges == []


def test_merges_are_deterministic_whatever_the_input_order(tmp_path: Path, service: TargetingService,
                                                           repository: TargetingRepository) -> None:
    _import(tmp_path, service, [
        ["A Co", "Ali Saleh", "", "0550004001", "ali@a.example.sa", "Riyadh", "crm_export", ""],
        ["A Co", "Ali Saleh", "CEO", "0550004001", "", "Riyadh", "crm_export", ""],
        ["شركة أ", "علي صالح", "", "", "ali@a.example.sa", "الرياض", "crm_export", ""],
    ])
    leads = repository.leads("t1", active_only=False)
    forward = find_duplicates(leads, now=SUNDAY_10_RIYADH)
    backward = find_duplicates(list(reversed(leads)), now=SUNDAY_10_RIYADH)
    assert forward.merges == backward.merges and len(forward.merges) == 2
