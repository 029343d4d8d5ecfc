"""Contactability per channel: source, consent, opt-outs, do-not-contact, caps, cool-down, quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from targeting_corpus import EN_HEADERS, FRIDAY_10_RIYADH, SUNDAY_10_RIYADH, SUNDAY_22_RIYADH, write_csv
from targeting_support import ServiceFactory

from skills.targeting.models import Target
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRecord, ConsentRegistry
from tools.models import Channel
from tools.saudi_time import RIYADH

H = [*EN_HEADERS, "Consent"]


def _row(company: str, phone: str, email: str, source: str = "crm_export", consent: str = "",
         name: str = "Ali Saleh") -> list[str]:
    return [company, name, "CEO", phone, email, "Riyadh", source, "", consent]


def _targets(tmp_path: Path, service: TargetingService, rows: list[list[str]]) -> dict[str, Target]:
    service.import_file(write_csv(tmp_path / f"c{len(list(tmp_path.iterdir()))}.csv", H, rows))
    return {t.company_name: t for t in service.targets()}


def _record(consent: ConsentRegistry, lead_id: str, channel: Channel, status: str, **extra: object) -> None:
    consent.record(ConsentRecord(tenant="t1", contact_id=lead_id, channel=channel, status=status,  # type: ignore[arg-type]
                                 source="form-17", recorded_at=SUNDAY_10_RIYADH - timedelta(days=3), **extra))


def test_a_linkedin_scraped_lead_is_blocked_on_every_channel(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Gulf Data", "0550001008", "f@gulf.example.com", "linkedin_scrape")])
    verdict = t["Gulf Data"].contactability
    assert verdict.status == "blocked" and {c.status for c in verdict.channels} == {"blocked"}
    assert "لينكدإن" in verdict.reason_ar


def test_a_purchased_list_lead_needs_review(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Jazeera", "0550001009", "t@jazeera.example.sa", "purchased_list")])
    assert t["Jazeera"].contactability.status == "needs_review"
    assert t["Jazeera"].channel.channel is None


def test_no_cold_whatsapp_without_a_recorded_opt_in(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])
    whatsapp = t["Noor"].contactability.channel("whatsapp")
    assert whatsapp.status == "blocked"
    assert "لن نرسل رسائل واتساب باردة" in whatsapp.reason_ar
    assert t["Noor"].contactability.channel("email").status == "safe"


def test_whatsapp_is_safe_with_an_opt_in_in_the_consent_registry(
        tmp_path: Path, service: TargetingService, consent: ConsentRegistry) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])["Noor"].lead_id
    _record(consent, lead_id, Channel.whatsapp, "opt_in")
    target = {t.company_name: t for t in service.targets()}["Noor"]
    assert target.contactability.channel("whatsapp").status == "safe"
    assert target.channel.channel == "whatsapp"


def test_an_opt_in_only_written_in_the_file_needs_review(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Noor", "0550001001", "", consent="whatsapp opt-in")])
    assert t["Noor"].contactability.channel("whatsapp").status == "needs_review"


def test_a_toll_free_number_never_qualifies_for_whatsapp(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Waha", "800 124 5555", "")])
    assert t["Waha"].contactability.channel("whatsapp").status == "blocked"
    assert t["Waha"].contactability.channel("phone").status == "safe"


def test_an_opt_out_in_the_file_blocks_every_channel_and_every_lead_with_that_phone(
        tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [
        _row("Waha Hospitality", "0550001010", "reem@waha.example.sa", consent="لا يرغب بالتواصل", name="ريم"),
        _row("Other Co", "0550001010", "other@other.example.sa", name="Someone Else"),
    ])
    assert t["Waha Hospitality"].contactability.status == "blocked"
    other = t["Other Co"].contactability
    assert other.channel("phone").status == "blocked" and other.channel("email").status == "safe"


def test_a_registry_opt_out_blocks_only_that_channel(tmp_path: Path, service: TargetingService,
                                                     consent: ConsentRegistry) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])["Noor"].lead_id
    _record(consent, lead_id, Channel.email, "opt_out")
    verdict = {t.company_name: t for t in service.targets()}["Noor"].contactability
    assert verdict.channel("email").status == "blocked" and verdict.channel("phone").status == "safe"


def test_a_registry_opt_out_on_all_channels_blocks_everything(tmp_path: Path, service: TargetingService,
                                                              consent: ConsentRegistry) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])["Noor"].lead_id
    _record(consent, lead_id, Channel.all, "opt_out")
    assert {t.company_name: t for t in service.targets()}["Noor"].contactability.status == "blocked"


def test_an_opt_out_recorded_on_a_merged_duplicate_is_honoured(
        tmp_path: Path, service: TargetingService, consent: ConsentRegistry, repository: TargetingRepository) -> None:
    _targets(tmp_path, service, [
        _row("Masar", "0550001006", "abdullah@masar.example.sa", name="Abdullah Al-Ghamdi"),
        _row("شركة مسار", "0550001006", "", name="عبدالله الغامدي"),
    ])
    [merge] = repository.merges("t1")
    _record(consent, merge.merged_id, Channel.all, "opt_out")
    [target] = service.targets()
    assert target.contactability.status == "blocked"


def test_friday_defers_contact_to_sunday_morning(tmp_path: Path, make_service: ServiceFactory) -> None:
    t = _targets(tmp_path, make_service(FRIDAY_10_RIYADH), [_row("Noor", "0550001001", "a@noor.example.sa")])
    email = t["Noor"].contactability.channel("email")
    assert email.status == "safe" and email.not_before is not None
    local = email.not_before.astimezone(RIYADH)
    assert (local.strftime("%A"), local.hour) == ("Sunday", 9)
    assert "خارج أوقات العمل" in email.reason_ar


def test_late_evening_defers_to_the_next_business_morning(tmp_path: Path, make_service: ServiceFactory) -> None:
    t = _targets(tmp_path, make_service(SUNDAY_22_RIYADH), [_row("Noor", "0550001001", "a@noor.example.sa")])
    not_before = t["Noor"].contactability.channel("phone").not_before
    assert not_before is not None and not_before.astimezone(RIYADH).strftime("%A %H") == "Monday 09"


def test_business_hours_do_not_defer(tmp_path: Path, service: TargetingService) -> None:
    t = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])
    assert all(c.not_before is None for c in t["Noor"].contactability.channels)


def test_a_contacts_own_quiet_hours_defer_calls(tmp_path: Path, service: TargetingService,
                                               consent: ConsentRegistry) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "")])["Noor"].lead_id
    _record(consent, lead_id, Channel.phone, "opt_in", quiet_start=time(9, 0), quiet_end=time(12, 0))
    phone = {t.company_name: t for t in service.targets()}["Noor"].contactability.channel("phone")
    assert phone.not_before is not None and phone.not_before.astimezone(RIYADH).hour == 12


def test_the_contacts_weekly_cap_blocks_the_channel(tmp_path: Path, service: TargetingService,
                                                    consent: ConsentRegistry, repository: TargetingRepository) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])["Noor"].lead_id
    _record(consent, lead_id, Channel.email, "opt_in", max_per_week=1)
    repository.record_touch("t1", lead_id, "email", SUNDAY_10_RIYADH - timedelta(days=2), replied=True)
    verdict = {t.company_name: t for t in service.targets()}["Noor"].contactability
    assert verdict.channel("email").status == "blocked" and "الحد الأسبوعي" in verdict.channel("email").reason_ar


def test_unanswered_touches_start_a_cool_down(tmp_path: Path, service: TargetingService,
                                              repository: TargetingRepository) -> None:
    lead_id = _targets(tmp_path, service, [_row("Noor", "0550001001", "a@noor.example.sa")])["Noor"].lead_id
    for days in (20, 10):
        repository.record_touch("t1", lead_id, "email", SUNDAY_10_RIYADH - timedelta(days=days))
    verdict = {t.company_name: t for t in service.targets()}["Noor"].contactability
    assert verdict.status == "blocked"
    until = verdict.channel("email").not_before
    assert isinstance(until, datetime) and until > SUNDAY_10_RIYADH
