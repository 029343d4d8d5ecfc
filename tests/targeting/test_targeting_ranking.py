"""Enrichment, committee, signals, channel, ranking and the daily selection."""

from __future__ import annotations

import random

import pytest

from skills.targeting.catalog import load_catalog
from skills.targeting.committee import committee_role
from skills.targeting.enrich import cr_valid, enrich, external_providers, size_band
from skills.targeting.factory import SAMPLE_FILE
from skills.targeting.models import Target
from skills.targeting.ranking import Icp, rank
from skills.targeting.repository import TargetingRepository
from skills.targeting.selection import daily_selection
from skills.targeting.service import TargetingService
from skills.targeting.signals import detect_signals


@pytest.fixture
def sample_targets(service: TargetingService) -> list[Target]:
    service.import_file(SAMPLE_FILE)
    return service.targets()


@pytest.mark.parametrize(("title", "role"), [
    ("الرئيس التنفيذي", "decision_maker"), ("المدير العام", "decision_maker"), ("CEO", "decision_maker"),
    ("Founder", "decision_maker"), ("مدير المبيعات", "influencer"), ("Head of Sales", "influencer"),
    ("المدير المالي", "economic_buyer"), ("CFO", "economic_buyer"), ("المديرة المالية", "economic_buyer"),
    ("مدير تقنية المعلومات", "technical_reviewer"), ("CTO", "technical_reviewer"),
    ("مديرة تقنية المعلومات", "technical_reviewer"), ("مسؤول المشتريات", "blocker"),
    ("Procurement Officer", "blocker"), ("أخصائي موارد بشرية", "user"), ("Sales Specialist", "user"),
    ("", None), ("Astronaut", None),
])
def test_titles_map_to_buying_committee_roles(title: str, role: str | None) -> None:
    assert committee_role(title) == role


def test_signals_come_with_their_evidence_sentence(repository: TargetingRepository,
                                                   service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    lead = next(x for x in repository.leads("t1") if x.company_name == "Sahm Fintech")
    [signal] = detect_signals(lead)
    assert signal.kind == "funding" and signal.evidence == lead.notes


@pytest.mark.parametrize(("notes", "kind"), [
    ("طرحوا منافسة لتوريد أجهزة", "tender"), ("Hiring 20 engineers", "hiring"),
    ("افتتاح فرع جديد في جدة", "new_branch"),
    ("Raised a Series A round", "funding"), ("التوسع في الخدمات", "expansion"), ("Launching a new app", "new_product"),
    ("ميزانية موسم رمضان", "seasonal_budget"),
])
def test_each_why_now_signal_is_detected_in_arabic_or_english(repository: TargetingRepository, notes: str,
                                                              kind: str, service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    lead = repository.leads("t1")[0].model_copy(update={"notes": notes, "extras": {}})
    assert kind in {s.kind for s in detect_signals(lead)}


def test_no_signal_from_a_word_inside_another_word(repository: TargetingRepository,
                                                   service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    lead = repository.leads("t1")[0].model_copy(update={"notes": "They are bidding farewell", "extras": {}})
    assert detect_signals(lead) == []


def test_enrichment_from_the_data_provided(repository: TargetingRepository, service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    lead = next(x for x in repository.leads("t1") if x.company_name == "Masar Logistics")
    enriched = enrich(lead)
    assert (enriched.domain, enriched.sector, enriched.size_band) == ("masar.example.sa", "logistics", "medium")


@pytest.mark.parametrize(("cr", "valid"), [("1010123456", True), ("4030123456", True), ("0010123456", False),
                                           ("10101234", False), (None, None)])
def test_commercial_registration_format_check(cr: str | None, valid: bool | None) -> None:
    assert cr_valid(cr) is valid


def test_size_bands_follow_employee_counts() -> None:
    assert [size_band(n) for n in (None, 5, 10, 49, 50, 250, 5000)] == [
        None, "micro", "small", "small", "medium", "large", "enterprise"]


def test_external_enrichment_is_off_by_default() -> None:
    providers = external_providers()
    assert set(providers) == {"tavily", "apollo", "people_data_labs", "clay"}
    assert {p.safe_default for p in providers.values()} == {"disabled"}


def test_the_total_is_the_weighted_sum_of_the_shown_components(sample_targets: list[Target]) -> None:
    for t in sample_targets:
        s = t.score
        total = sum(s.weights[k] * getattr(s, k) for k in ("fit", "why_now", "contactability", "relationship"))
        assert s.total == pytest.approx(total, abs=0.01)
        assert s.reasons_ar


def test_ranking_order_does_not_depend_on_input_order(sample_targets: list[Target]) -> None:
    shuffled = list(sample_targets)
    random.Random(7).shuffle(shuffled)
    assert [t.lead_id for t in rank(shuffled)] == [t.lead_id for t in sample_targets]
    totals = [t.score.total for t in sample_targets]
    assert totals == sorted(totals, reverse=True)


def test_a_blocked_lead_never_gets_a_channel(sample_targets: list[Target]) -> None:
    blocked = [t for t in sample_targets if t.contactability.status == "blocked"]
    assert blocked and all(t.channel.channel is None and t.risk.level == "high" for t in blocked)


def test_whatsapp_is_never_recommended_without_an_opt_in(sample_targets: list[Target]) -> None:
    assert all(t.channel.channel != "whatsapp" for t in sample_targets)


def test_a_referral_is_reached_through_the_partner(sample_targets: list[Target]) -> None:
    horizon = next(t for t in sample_targets if t.contact_name == "خالد العتيبي")
    assert horizon.channel.channel == "partner_intro" and horizon.channel.reason_ar


def test_a_narrower_icp_lowers_fit(service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    wide = {t.lead_id: t.score.fit for t in service.targets()}
    narrow = {t.lead_id: t.score.fit for t in service.targets(Icp(target_sectors=[], target_cities=[],
                                                                   target_size_bands=[]))}
    assert all(narrow[k] <= wide[k] for k in wide) and any(narrow[k] < wide[k] for k in wide)


def test_daily_selection_takes_only_safe_prospects_then_the_top(service: TargetingService) -> None:
    service.import_file(SAMPLE_FILE)
    selection = service.daily()
    policy = load_catalog().policy.selection
    assert 0 < len(selection.pool) <= policy.pool_size
    assert all(t.contactability.status == "safe" and t.channel.channel for t in selection.pool)
    assert [p.target.lead_id for p in selection.top] == [t.lead_id for t in selection.pool[: policy.top]]
    assert all(p.target.risk.reasons_ar for p in selection.top)


def test_daily_selection_limits_picks_per_company(sample_targets: list[Target], service: TargetingService) -> None:
    same_company = [t.model_copy(update={"company_id": "co_one"}) for t in sample_targets]
    guard = service._guard(service.repository.leads("t1", active_only=False), service.clock())
    selection = daily_selection(same_company, guard)
    assert len(selection.pool) == load_catalog().policy.selection.max_per_company
    assert selection.skipped_company_cap > 0


def test_recent_touches_count_against_the_company_cap(sample_targets: list[Target], service: TargetingService,
                                                      repository: TargetingRepository) -> None:
    safe = [t for t in sample_targets if t.contactability.status == "safe"]
    company = safe[0].company_id
    for _ in range(load_catalog().policy.reputation.company_max_per_week):
        repository.record_touch("t1", safe[0].lead_id, "email", service.clock(), replied=True)
    selection = service.daily()
    assert company not in {t.company_id for t in selection.pool}


def test_sample_file_has_the_promised_shape(sample_targets: list[Target], repository: TargetingRepository) -> None:
    leads = repository.leads("t1", active_only=False)
    assert 25 <= len(leads) <= 35
    assert any(x.source.source_id == "linkedin_scrape" for x in leads)
    assert any(x.consent_mark == "opt_out" for x in leads)
    assert repository.merges("t1")
    assert all(x.phone is None or x.phone.e164.startswith(("+96655000", "+966800")) for x in leads)
    assert all(x.email is None or x.email.endswith((".example.sa", "example.com")) for x in leads)


