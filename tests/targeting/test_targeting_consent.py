"""Consent by address: recorded in any spelling, audited without raw PII, an opt-out always wins,
and it reaches contactability for every lead with that phone or email (imported before or after)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from targeting_corpus import SUNDAY_10_RIYADH, write_csv
from targeting_support import ServiceFactory

from tools.audit import AuditLog
from tools.consent import ConsentRegistry, address_contact_id, normalise_address
from tools.consent_book import ConsentBook, ConsentError
from tools.consent_words import is_stop_request
from tools.models import Channel
from tools.pii import PiiMasker
from tools.store import Store

MOBILE = "+966550007001"
SPELLINGS = ["0550007001", "550007001", "966550007001", "00966550007001", "+966 55 000 7001", "055-000-7001",
             "٠٥٥٠٠٠٧٠٠١", "۰۵۵۰۰۰۷۰۰۱", "\u200e+966550007001"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "g.db")


@pytest.fixture
def book(store: Store) -> ConsentBook:
    clock = iter(SUNDAY_10_RIYADH + timedelta(minutes=i) for i in range(1000))
    return ConsentBook(store, AuditLog(store, key=b"k" * 32, masker=PiiMasker(b"k" * 32)), clock=lambda: next(clock))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_saudi_mobile_is_one_address(spelling: str) -> None:
    assert normalise_address(spelling) == MOBILE


def test_an_opt_in_in_arabic_indic_digits_shows_under_the_persian_spelling(book: ConsentBook) -> None:
    book.opt_in("t1", "٠٥٥٠٠٠٧٠٠١", Channel.whatsapp, source="نموذج الموقع", actor="u1")
    view = book.view("t1", "۰۵۵۰۰۰۷۰۰۱")
    assert view.address == MOBILE and view.channel(Channel.whatsapp).status == "opt_in"
    assert view.channel(Channel.phone).status == "none"


def test_an_opt_out_wins_over_an_earlier_opt_in_and_an_opt_in_after_it_is_refused(book: ConsentBook) -> None:
    book.opt_in("t1", MOBILE, Channel.whatsapp, source="form 12", actor="u1")
    book.opt_out("t1", "0550007001", source="call", actor="u2")
    assert book.view("t1", MOBILE).channel(Channel.whatsapp).status == "opt_out"
    with pytest.raises(ConsentError) as refused:
        book.opt_in("t1", MOBILE, Channel.whatsapp, source="form 13", actor="u1")
    assert refused.value.code == "opted_out" and "الإيقاف" in refused.value.message_ar
    assert book.view("t1", MOBILE).channel(Channel.whatsapp).status == "opt_out"


def test_an_opt_out_on_a_lead_id_wins_over_an_opt_in_on_the_address(book: ConsentBook, store: Store) -> None:
    book.opt_in("t1", MOBILE, Channel.whatsapp, source="form", actor="u1")
    book.opt_out("t1", MOBILE, Channel.whatsapp, source="call", actor="u1", lead_ids=["ld_1"])
    book.opt_in("t1", MOBILE, Channel.whatsapp, source="later form", actor="u1", renewed=True)
    # renewed consent is recorded for every id that carried the opt-out, so it can open the channel again
    assert book.view("t1", MOBILE, ["ld_1"]).channel(Channel.whatsapp).status == "opt_in"
    assert ConsentRegistry(store).state("t1", "ld_1", Channel.whatsapp).status == "opt_in"


def test_every_change_is_audited_with_who_when_source_and_basis_without_raw_pii(book: ConsentBook,
                                                                               store: Store) -> None:
    change = book.opt_out("t1", "0550007001", source="مكالمة مع 0550007001", actor="sara@acme")
    audit = AuditLog(store, key=b"k" * 32, masker=PiiMasker(b"k" * 32))
    [event] = [e for e in audit.events(tenant="t1") if e.event_id == change.audit_event]
    assert event.kind == "consent_opt_out" and event.actor == "sara@acme" and event.ts == change.recorded_at
    assert event.payload["lawful_basis"] == "consent" and event.payload["channel"] == "all"
    stored = json.dumps(event.payload, ensure_ascii=False)
    assert "550007001" not in stored and "[PHONE:" in stored
    assert audit.verify().ok


@pytest.mark.parametrize(("address", "channel", "code"), [
    ("not a phone", Channel.whatsapp, "invalid_address"),
    ("a@b.example.sa", Channel.whatsapp, "channel_mismatch"),
    (MOBILE, Channel.email, "channel_mismatch"),
])
def test_wrong_addresses_and_channels_are_refused_in_arabic(book: ConsentBook, address: str, channel: Channel,
                                                             code: str) -> None:
    with pytest.raises(ConsentError) as refused:
        book.opt_in("t1", address, channel, source="x", actor="u")
    assert refused.value.code == code and refused.value.message_ar


def test_an_email_is_one_address_whatever_its_case(book: ConsentBook) -> None:
    book.opt_in("t1", "Lama@Sahm.Example.com", Channel.email, source="event", actor="u")
    assert book.view("t1", "lama@sahm.example.com").channel(Channel.email).status == "opt_in"


@pytest.mark.parametrize("text", ["إيقاف", "ايقاف", "الغاء", "إلغاء", "STOP", "stop", "Stop!", "unsubscribe", "وقف",
                                  "إيقافْ", "الغاء الاشتراك", "stop please", "ايقاف الرسائل", "ألغي"])
def test_stop_words_in_any_spelling_are_stop_requests(text: str) -> None:
    assert is_stop_request(text)


@pytest.mark.parametrize("text", ["Can you stop by our office on Sunday to discuss the offer?", "شكراً", "مهتم",
                                  "ممكن نوقف الاجتماع لبكرة؟ نبي نكمل النقاش عن العرض", ""])
def test_ordinary_messages_are_not_stop_requests(text: str) -> None:
    assert not is_stop_request(text)


def _file(tmp_path: Path, name: str, encoding: str, delimiter: str = ",") -> Path:
    headers = ["اسم الشركة", "الاسم", "الجوال", "البريد الإلكتروني", "المصدر"]
    rows = [["شركة الندى", "سارة القحطاني", "٠٥٥٠٠٠٧٠٠١" if encoding != "cp1256" else "0550007001",
             "sara@nada.example.sa", "inbound_form"]]
    return write_csv(tmp_path / name, headers, rows, encoding=encoding, delimiter=delimiter)


@pytest.mark.parametrize(("encoding", "delimiter"), [("cp1256", ","), ("utf-16", "\t"), ("utf-8-sig", ",")])
def test_an_opt_out_recorded_by_address_blocks_a_lead_imported_later(
        tmp_path: Path, make_service: ServiceFactory, consent: ConsentRegistry, encoding: str,
        delimiter: str) -> None:
    store = Store(tmp_path / "g.db")
    book = ConsentBook(store, AuditLog(store, key=b"k" * 32, masker=PiiMasker(b"k" * 32)),
                       clock=lambda: SUNDAY_10_RIYADH - timedelta(days=1))
    book.opt_out("t1", "00966550007001", source="whatsapp STOP", actor="u")
    service = make_service()
    service.import_file(_file(tmp_path, "l.csv", encoding, delimiter))
    [target] = service.targets()
    assert target.contactability.status == "blocked"
    assert all(v.status == "blocked" for v in target.contactability.channels if v.channel != "email")
    assert consent.state("t1", address_contact_id(MOBILE), Channel.whatsapp).opted_out


def test_a_whatsapp_opt_in_by_address_opens_whatsapp_for_the_lead(tmp_path: Path, make_service: ServiceFactory
                                                                  ) -> None:
    store = Store(tmp_path / "g.db")
    book = ConsentBook(store, AuditLog(store, key=b"k" * 32, masker=PiiMasker(b"k" * 32)),
                       clock=lambda: datetime(2026, 11, 1, tzinfo=SUNDAY_10_RIYADH.tzinfo))
    service = make_service()
    service.import_file(_file(tmp_path, "l.csv", "utf-8-sig"))
    before = service.targets()[0].contactability.channel("whatsapp").status
    book.opt_in("t1", "+966 55 000 7001", Channel.whatsapp, source="نموذج الموقع", actor="u")
    after = service.targets()[0].contactability.channel("whatsapp").status
    assert (before, after) == ("blocked", "safe")
