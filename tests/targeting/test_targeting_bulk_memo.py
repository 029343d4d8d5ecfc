"""Verdicts, channels, risks and signals are shared between alike leads of one run, never across a difference.

Each test ranks several leads that agree on everything the shared parts are keyed by except one
fact (a consent record, a do-not-contact entry, a touch, an opt-in mark, a free mailbox, a note),
so a key that missed that fact would hand one lead the other's verdict.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from targeting_corpus import EN_HEADERS, SUNDAY_10_RIYADH, write_csv

from skills.targeting.models import Target
from skills.targeting.repository import TargetingRepository
from skills.targeting.service import TargetingService
from tools.consent import ConsentRecord, ConsentRegistry
from tools.models import Channel

H = [*EN_HEADERS, "Consent", "Ref"]
NAMES = ["Ali Saleh", "Omar Nasser", "Saud Fahad", "Majed Turki", "Hind Saad", "Reem Khalid"]


def _rows(n: int = 6, **override: tuple[int, str, str]) -> list[list[str]]:
    rows = [[f"Company {i}", NAMES[i], "CEO", f"055000{2000 + i}", f"p{i}@co{i}.example.sa", "Riyadh", "crm_export",
             "", "", f"{1000 + i}"] for i in range(n)]
    for row_index, column, value in override.values():
        rows[row_index][H.index(column)] = value
    return rows


def _rank(tmp_path: Path, service: TargetingService, rows: list[list[str]]) -> dict[str, Target]:
    service.import_file(write_csv(tmp_path / "leads.csv", H, rows))
    return {t.company_name: t for t in service.targets()}


def _record(consent: ConsentRegistry, lead_id: str, channel: Channel, status: str, **extra: object) -> None:
    consent.record(ConsentRecord(tenant="t1", contact_id=lead_id, channel=channel, status=status,
                                 source="form-9", recorded_at=SUNDAY_10_RIYADH - timedelta(days=2), **extra))


def test_one_recorded_whatsapp_opt_in_among_alike_leads(tmp_path: Path, service: TargetingService,
                                                        consent: ConsentRegistry) -> None:
    first = _rank(tmp_path, service, _rows())
    _record(consent, first["Company 3"].lead_id, Channel.whatsapp, "opt_in")
    targets = {t.company_name: t for t in service.targets()}
    statuses = {name: t.contactability.channel("whatsapp").status for name, t in targets.items()}
    assert statuses == {f"Company {i}": "safe" if i == 3 else "blocked" for i in range(6)}
    assert targets["Company 3"].channel.channel == "whatsapp" and targets["Company 2"].channel.channel == "email"


def test_one_registry_opt_out_among_alike_leads(tmp_path: Path, service: TargetingService,
                                                consent: ConsentRegistry) -> None:
    first = _rank(tmp_path, service, _rows())
    _record(consent, first["Company 4"].lead_id, Channel.email, "opt_out")
    targets = {t.company_name: t for t in service.targets()}
    assert targets["Company 4"].contactability.channel("email").status == "blocked"
    assert all(targets[f"Company {i}"].contactability.channel("email").status == "safe" for i in (0, 1, 2, 3, 5))


def test_one_do_not_contact_email_among_alike_leads(tmp_path: Path, service: TargetingService,
                                                    repository: TargetingRepository) -> None:
    repository.add_do_not_contact("t1", [("email", "p1@co1.example.sa")], "asked", SUNDAY_10_RIYADH)
    targets = _rank(tmp_path, service, _rows())
    assert targets["Company 1"].contactability.channel("email").status == "blocked"
    assert targets["Company 0"].contactability.channel("email").status == "safe"
    assert targets["Company 2"].contactability.channel("email").status == "safe"


def test_one_touched_lead_among_alike_leads(tmp_path: Path, service: TargetingService,
                                            repository: TargetingRepository) -> None:
    first = _rank(tmp_path, service, _rows())
    for days in (20, 10):
        repository.record_touch("t1", first["Company 5"].lead_id, "email", SUNDAY_10_RIYADH - timedelta(days=days))
    targets = {t.company_name: t for t in service.targets()}
    assert targets["Company 5"].contactability.status == "blocked"
    assert all(targets[f"Company {i}"].contactability.status == "safe" for i in range(5))


def test_an_opt_in_mark_in_the_file_and_a_free_mailbox_change_only_their_lead(
        tmp_path: Path, service: TargetingService) -> None:
    targets = _rank(tmp_path, service, _rows(a=(2, "Consent", "whatsapp opt-in"), b=(4, "E-mail", "p4@gmail.com")))
    assert targets["Company 2"].contactability.channel("whatsapp").status == "needs_review"
    assert targets["Company 1"].contactability.channel("whatsapp").status == "blocked"
    free_mail = [r for r in targets["Company 4"].risk.reasons_ar if r not in targets["Company 3"].risk.reasons_ar]
    assert free_mail and targets["Company 3"].risk.level == targets["Company 4"].risk.level == "medium"


def test_signals_come_from_any_text_column_but_not_from_an_id(tmp_path: Path, service: TargetingService) -> None:
    targets = _rank(tmp_path, service, _rows(a=(1, "Ref", "Hiring new sales staff"), b=(2, "Ref", "2026-11-01 15")))
    assert [s.kind for s in targets["Company 1"].signals] == ["hiring"]
    assert targets["Company 1"].signals[0].evidence == "Hiring new sales staff"
    assert targets["Company 2"].signals == [] and targets["Company 0"].signals == []
    assert targets["Company 1"].score.why_now > targets["Company 0"].score.why_now == 0


def test_bulk_consent_can_leave_out_contacts_without_a_record(consent: ConsentRegistry) -> None:
    _record(consent, "ld_b", Channel.email, "opt_in")
    _record(consent, "ld_c", Channel.all, "opt_out")
    everyone = consent.states("t1", ["ld_a", "ld_b", "ld_c"], Channel.email)
    recorded = consent.states("t1", ["ld_a", "ld_b", "ld_c"], Channel.email, recorded_only=True)
    assert everyone["ld_a"].status == "none"
    assert recorded == {"ld_b": everyone["ld_b"], "ld_c": everyone["ld_c"]}
    assert recorded["ld_c"].opted_out
