"""The Targeting OS answering the gateway's recipient questions (skills/targeting/recipients.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from targeting_corpus import SUNDAY_10_RIYADH, write_csv

from skills.targeting.recipients import TargetingRecipients
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRecord, ConsentRegistry
from tools.models import Channel

NOW = SUNDAY_10_RIYADH
HEADERS = ["Company Name", "Contact", "Job Title", "Mobile", "E-mail", "City", "Lead Source", "Consent"]
ROWS = [
    ["Al Noor Technology", "Ahmed Al-Harbi", "CEO", "0550001001", "ahmed@alnoor.example.sa", "Riyadh", "crm_export",
     ""],
    ["Al Noor Technology Co.", "Ahmed Al-Harbi", "CEO", "+966 55 000 1001", "a.harbi@alnoor.example.sa", "Riyadh",
     "crm_export", ""],
    ["Al Noor Technology", "Sara Al-Qahtani", "CFO", "0550001002", "sara@alnoor.example.sa", "Riyadh", "crm_export",
     ""],
    ["Al Noor Technology", "Majed Al-Otaibi", "CTO", "0550001003", "majed@alnoor.example.sa", "Riyadh", "crm_export",
     ""],
    ["Sahm Fintech", "Lama Al-Qahtani", "CFO", "0550001013", "lama@sahm.example.com", "Riyadh", "referral",
     "واتساب"],
    ["Gulf Logistics", "Omar Al-Ghamdi", "CEO", "0112345678", "omar@gulflog.example.sa", "Riyadh", "crm_export", ""],
]


@pytest.fixture
def setup(tmp_path: Path, repository: TargetingRepository,
          consent: ConsentRegistry) -> tuple[TargetingRecipients, TargetingRepository, ConsentRegistry]:
    service = TargetingService(repository, consent, tenant="t1", clock=lambda: NOW)
    service.import_file(write_csv(tmp_path / "Riyadh leads.csv", HEADERS, ROWS))
    return TargetingRecipients(repository, consent), repository, consent


def lead_of(repository: TargetingRepository, email: str) -> str:
    lead = next(lead for lead in repository.leads("t1", active_only=False) if lead.email == email)
    return repository.lead_group("t1", lead.lead_id)[0].lead_id


@pytest.mark.parametrize("spelling", ["0550001013", "٠٥٥٠٠٠١٠١٣", "۰۵۵۰۰۰۱۰۱۳", "+966 55 000 1013",
                                      "00966-55-000-1013", "966550001013"])
def test_a_phone_in_any_spelling_is_the_leads_number(setup, spelling: str) -> None:
    directory, repository, _ = setup
    lama = lead_of(repository, "lama@sahm.example.com")
    found = directory.check("t1", lama, Channel.whatsapp, spelling, NOW)
    assert found is not None and found.address_known and found.contact_id == lama


def test_emails_compare_case_insensitively(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    found = directory.check("t1", omar, Channel.email, " Omar@GulfLog.Example.SA ", NOW)
    assert found is not None and found.address_known and found.status == "safe"


def test_an_address_of_another_lead_is_not_this_leads(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    found = directory.check("t1", omar, Channel.email, "sara@alnoor.example.sa", NOW)
    assert found is not None and found.status == "blocked" and found.reason_code == "recipient_not_on_lead"
    assert not found.address_known and "أضفه إلى سجله أولاً" in found.reason_ar


def test_neither_a_known_contact_nor_a_known_address_is_none(setup) -> None:
    directory, _, _ = setup
    assert directory.check("t1", "cust-7", Channel.email, "someone@client.example.sa", NOW) is None
    assert directory.check("t1", None, Channel.email, "someone@client.example.sa", NOW) is None


def test_without_a_contact_the_address_finds_its_lead(setup) -> None:
    directory, repository, _ = setup
    found = directory.check("t1", None, Channel.email, "a.harbi@alnoor.example.sa", NOW)
    assert found is not None and found.contact_id == lead_of(repository, "ahmed@alnoor.example.sa")
    assert found.address_known


def test_a_merged_lead_id_is_checked_as_the_kept_lead_with_both_addresses(setup) -> None:
    directory, repository, _ = setup
    kept = lead_of(repository, "ahmed@alnoor.example.sa")
    ids = {lead.lead_id for lead in repository.leads("t1", active_only=False) if lead.contact_name == "Ahmed Al-Harbi"}
    (merged,) = ids - {kept}
    for address in ("ahmed@alnoor.example.sa", "a.harbi@alnoor.example.sa"):
        found = directory.check("t1", merged, Channel.email, address, NOW)
        assert found is not None and found.contact_id == kept and found.address_known
        assert set(found.related_ids) == ids


def test_whatsapp_is_never_cold_and_a_file_opt_in_is_not_consent(setup) -> None:
    directory, repository, consent = setup
    lama = lead_of(repository, "lama@sahm.example.com")
    # An opt-in column in a referral's file proves little (the file's source decides how much): refused.
    weak = directory.check("t1", lama, Channel.whatsapp, "0550001013", NOW)
    assert weak is not None and weak.status == "blocked"
    assert weak.reason_code == "whatsapp_optin_weak" and weak.provenance and "الصف" in weak.provenance
    consent.record(ConsentRecord(tenant="t1", contact_id=lama, channel=Channel.whatsapp, status="opt_in",
                                 source="form:web-42", recorded_at=NOW, address="+966550001013"))
    safe = directory.check("t1", lama, Channel.whatsapp, "0550001013", NOW)
    assert safe is not None and safe.status == "safe" and safe.reason_code == "whatsapp_opted_in"
    sara = lead_of(repository, "sara@alnoor.example.sa")
    cold = directory.check("t1", sara, Channel.whatsapp, "0550001002", NOW)
    assert cold is not None and cold.status == "blocked" and cold.reason_code == "whatsapp_no_optin"


def test_a_landline_is_not_a_whatsapp_recipient(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    found = directory.check("t1", omar, Channel.whatsapp, "011 234 5678", NOW)
    assert found is not None and found.status == "blocked" and found.reason_code == "whatsapp_not_mobile"


def test_an_added_contact_point_is_the_leads_own(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    assert directory.add_contact_point("t1", omar, "email", "Omar.G@Gmail.com", NOW, "u-manager")
    found = directory.check("t1", omar, Channel.email, "omar.g@gmail.com", NOW)
    assert found is not None and found.address_known and found.status == "safe"
    assert directory.check("t1", None, Channel.email, "OMAR.G@gmail.com", NOW).contact_id == omar  # type: ignore[union-attr]
    assert not directory.add_contact_point("t1", "ld_nobody", "email", "x@y.sa", NOW, "u-manager")


def test_touches_are_recorded_for_the_kept_lead_and_shown_newest_first(setup) -> None:
    directory, repository, _ = setup
    kept = lead_of(repository, "ahmed@alnoor.example.sa")
    directory.record_touch("t1", None, Channel.email, "A.Harbi@alnoor.example.sa", NOW - timedelta(days=3))
    directory.record_touch("t1", kept, Channel.whatsapp, "0550001001", NOW - timedelta(days=1))
    directory.record_touch("t1", "cust-7", Channel.email, "nobody@client.example.sa", NOW)  # not a lead: nothing
    found = directory.check("t1", kept, Channel.email, "ahmed@alnoor.example.sa", NOW)
    assert found is not None
    assert [(t.channel, t.at) for t in found.last_touches] == [("whatsapp", NOW - timedelta(days=1)),
                                                               ("email", NOW - timedelta(days=3))]
    assert {t.lead_id for t in repository.touches("t1", NOW - timedelta(days=7))} == {kept}


def test_unanswered_touches_start_the_cool_down(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    for days in (6, 2):
        directory.record_touch("t1", omar, Channel.email, "omar@gulflog.example.sa", NOW - timedelta(days=days))
    found = directory.check("t1", omar, Channel.email, "omar@gulflog.example.sa", NOW)
    assert found is not None and found.status == "blocked" and found.reason_code == "cooldown"


def test_the_company_weekly_cap_counts_touches_to_colleagues(setup) -> None:
    directory, repository, _ = setup
    for days, email in ((5, "ahmed@alnoor.example.sa"), (4, "sara@alnoor.example.sa"),
                        (3, "a.harbi@alnoor.example.sa")):
        lead = lead_of(repository, email)
        repository.record_touch("t1", lead, "email", NOW - timedelta(days=days), replied=True)
    majed = lead_of(repository, "majed@alnoor.example.sa")
    found = directory.check("t1", majed, Channel.email, "majed@alnoor.example.sa", NOW)
    assert found is not None and found.status == "blocked" and found.reason_code == "company_cap"


def test_the_check_says_where_the_lead_came_from(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    found = directory.check("t1", omar, Channel.email, "omar@gulflog.example.sa", NOW)
    assert found is not None and found.provenance is not None
    assert "Riyadh leads.csv" in found.provenance and "crm_export" in found.provenance and "7" in found.provenance


def test_an_erased_contact_loses_its_added_contact_points(setup) -> None:
    directory, repository, _ = setup
    omar = lead_of(repository, "omar@gulflog.example.sa")
    directory.add_contact_point("t1", omar, "email", "omar.g@gmail.com", NOW, "u-manager")
    repository.erase_contact("t1", omar, NOW)
    assert repository.contact_points("t1", [omar]) == set()
    assert directory.check("t1", None, Channel.email, "omar.g@gmail.com", NOW) is None
