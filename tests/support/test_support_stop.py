"""A contact's WhatsApp "STOP" ("إيقاف", "الغاء", "وقف", ...) records an opt-out for that number, audited."""

from __future__ import annotations

import pytest

from skills.support.intake import from_whatsapp
from skills.support.service import SupportService
from tools.consent_book import ConsentBook
from tools.gateway import Gateway
from tools.models import Channel

PHONE = "+966550004321"


@pytest.mark.parametrize("text", ["إيقاف", "الغاء", "STOP", "ايقاف", "إلغاء", "stop", "unsubscribe", "وقف",
                                  "الغاء الاشتراك"])
def test_a_whatsapp_stop_records_an_opt_out_for_the_number(service: SupportService, gateway: Gateway,
                                                           text: str) -> None:
    ticket = service.create(from_whatsapp(text, phone="٠٥٥٠٠٠٤٣٢١"))
    view = ConsentBook(gateway.store, gateway.audit, clock=service.clock).view("acme", "0550004321")
    assert [c.status for c in view.channels] == ["opt_out", "opt_out", "opt_out"]
    assert view.history[0].source == f"whatsapp_inbound:{ticket.ticket_id}"
    events = [e for e in gateway.audit.events(tenant="acme") if e.kind == "consent_opt_out"]
    assert len(events) == 1 and "550004321" not in str(events[0].payload)


def test_a_whatsapp_export_line_with_stop_records_an_opt_out(service: SupportService, gateway: Gateway) -> None:
    service.create(from_whatsapp("[22/11/2026, 10:15] +966 55 000 4321: إيقاف"))
    assert gateway.consent.state("acme", "addr:" + PHONE, Channel.whatsapp).opted_out


def test_an_ordinary_whatsapp_message_records_no_consent(service: SupportService, gateway: Gateway) -> None:
    service.create(from_whatsapp("النظام ما يشتغل من الصباح، نبي حل سريع", phone=PHONE))
    assert gateway.consent.history("acme", "addr:" + PHONE) == []
