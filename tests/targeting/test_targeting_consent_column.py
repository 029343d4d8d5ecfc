"""An import's consent column (English or Arabic header) is evidence with its provenance, never dropped;
how much it proves depends on the lead's source."""

from __future__ import annotations

from pathlib import Path

import pytest
from targeting_corpus import write_csv
from targeting_support import ServiceFactory

from skills.targeting.normalize import map_headers

HEADERS = ["Company", "Contact", "Mobile", "Email", "Source", "whatsapp_opt_in"]


@pytest.mark.parametrize("header", ["whatsapp_opt_in", "WhatsApp Opt-In", "opt_in", "consent", "موافقة",
                                    "موافقة واتساب", "الموافقة على واتساب", "Marketing Consent"])
def test_consent_headers_in_english_and_arabic_map_to_the_consent_field(header: str) -> None:
    assert map_headers(["Company", header]).as_report()[header] == "consent"


def _rows(mobile: str) -> list[list[str]]:
    return [
        ["Form Co", "Reem Form", mobile.format(1), "reem@form.example.sa", "inbound_form", "yes"],
        ["Bought Co", "Fahad Bought", mobile.format(2), "fahad@bought.example.sa", "purchased list", "نعم"],
        ["Maybe Co", "Omar Maybe", mobile.format(3), "omar@maybe.example.sa", "inbound_form", "perhaps later"],
        ["No Co", "Huda No", mobile.format(4), "huda@no.example.sa", "crm_export", "لا"],
    ]


@pytest.mark.parametrize(("encoding", "delimiter", "mobile"), [
    ("cp1256", ",", "055000800{}"), ("utf-16", "\t", "٠٥٥٠٠٠٨٠٠{}"), ("utf-8-sig", ",", "۰۵۵۰۰۰۸۰۰{}")])
def test_a_consent_column_is_kept_as_evidence_with_file_row_column_and_source(
        tmp_path: Path, make_service: ServiceFactory, encoding: str, delimiter: str, mobile: str) -> None:
    if encoding == "cp1256":
        mobile = "055000800{}"
    path = write_csv(tmp_path / "leads.csv", HEADERS, _rows(mobile), encoding=encoding, delimiter=delimiter)
    service = make_service()
    report = service.import_file(path)
    assert report.header_map["whatsapp_opt_in"] == "consent"
    targets = {t.company_name: t for t in service.targets()}

    form = targets["Form Co"].contactability
    [evidence] = form.evidence
    assert (evidence.file_name, evidence.row_number, evidence.column, evidence.value) == ("leads.csv", 2,
                                                                                           "whatsapp_opt_in", "yes")
    assert evidence.meaning == "opt_in" and evidence.scope == "whatsapp" and evidence.strength == "strong"
    whatsapp = form.channel("whatsapp")
    assert whatsapp.status == "needs_review" and "leads.csv" in whatsapp.reason_ar and "2" in whatsapp.reason_ar

    bought = targets["Bought Co"].contactability
    assert bought.evidence[0].strength == "weak" and bought.evidence[0].source_id == "purchased_list"
    assert bought.channel("whatsapp").status == "blocked" and "purchased_list" in bought.channel("whatsapp").reason_ar

    maybe = targets["Maybe Co"].contactability
    assert maybe.evidence[0].meaning == "unclear" and maybe.channel("whatsapp").status == "blocked"
    assert any(i.code == "consent_unclear" and i.row_number == 4 for i in report.issues)

    refused = targets["No Co"].contactability
    assert refused.evidence[0].meaning == "refused" and refused.channel("whatsapp").status == "blocked"


def test_an_opt_out_in_the_consent_column_blocks_every_channel(tmp_path: Path, make_service: ServiceFactory) -> None:
    path = write_csv(tmp_path / "l.csv", ["اسم الشركة", "الجوال", "الموافقة"],
                     [["شركة الصفا", "0550008009", "لا يرغب بالتواصل"]], encoding="utf-8-sig")
    service = make_service()
    service.import_file(path)
    [target] = service.targets()
    assert target.contactability.status == "blocked" and target.contactability.evidence[0].meaning == "opt_out"


@pytest.mark.parametrize("opt_out_row", [0, 1])
def test_an_opt_out_on_one_row_of_a_duplicated_person_blocks_the_person(tmp_path: Path, make_service: ServiceFactory,
                                                                       opt_out_row: int) -> None:
    """Found by the one-loop property test: the same person twice in a file (an event row asking for a demo,
    an inbound row saying opt-out) was merged and drafted to, because only a first row's opt-out was read."""
    rows = [["شركة الصفا", "سارة القحطاني", "0550008009", "sara@safa.example.sa", "event", ""],
            ["شركة الصفا", "سارة القحطاني", "0550008009", "sara@safa.example.sa", "inbound_form", ""]]
    rows[opt_out_row][-1] = "opt-out"
    path = write_csv(tmp_path / "l.csv", HEADERS, rows, encoding="utf-8-sig")
    service = make_service()
    service.import_file(path)
    [target] = service.targets()
    assert target.contactability.status == "blocked"
    assert all(channel.status == "blocked" for channel in target.contactability.channels)
