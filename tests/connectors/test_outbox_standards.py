"""The outbox files pass their standards' own readers, not only our string checks.

- the Gmail draft ``.eml``: Python's ``email`` parser with ``policy=default`` reports no defect,
  and the message has From (RFC 5322 requires it: the tenant's configured sender), Message-ID and Date;
- the invitation ``.ics``: the ``icalendar`` package reads a ``METHOD:REQUEST`` with an ORGANIZER
  (RFC 5546 requires one), an ATTENDEE per invitee, at a time still to come.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.utils import parsedate_to_datetime

import pytest
from icalendar import Calendar

from tools.connectors import default_connectors
from tools.connectors.addresses import NO_SENDER, Sender
from tools.connectors.calendar import CalendarDraftConnector, CalendarInsertConnector
from tools.connectors.gmail import GmailDraftConnector
from tools.errors import ConnectorError

SENDER = Sender("sara@agency.sa", "سارة من وكالة النخبة")
DRAFT = {"to": ["buyer@client.sa"], "subject": "عرض تجربة Dealix لمدة أسبوعين",
         "body": "السلام عليكم أستاذ فهد،\nنشكر لكم وقتكم، ونرفق تفاصيل التجربة.", "html": "<p>السلام عليكم</p>"}
MEETING = {"title": "اجتماع تعريفي", "start": "2026-11-17T10:00:00", "duration_minutes": 30,
           "attendees": ["nora@client.sa"]}


def _eml(ctx, permit, connector, args):
    delivery = connector.run(permit(connector.action, args), args, ctx)
    with open(delivery.outbox_path, "rb") as handle:
        return message_from_bytes(handle.read(), policy=policy.default)


def test_the_draft_parses_without_defects_and_is_from_the_tenant_sender(ctx, permit, now) -> None:
    message = _eml(ctx, permit, GmailDraftConnector(sender=SENDER), DRAFT)

    assert message.defects == []
    assert all(part.defects == [] for part in message.walk())
    (sender,) = message["From"].addresses
    assert sender == Address(display_name="سارة من وكالة النخبة", addr_spec="sara@agency.sa")
    assert message["Message-ID"].startswith("<dealix-draft.") and message["Message-ID"].endswith("@agency.sa>")
    assert parsedate_to_datetime(message["Date"]) == now
    assert message["Subject"] == DRAFT["subject"]
    assert message.get_body(("plain",)).get_content().startswith("السلام عليكم أستاذ فهد")


def test_a_draft_with_no_configured_sender_still_has_a_from(ctx, permit) -> None:
    """On main the .eml had no From at all: mail clients opened it as a message from nobody."""
    message = _eml(ctx, permit, default_connectors()["gmail.draft"], DRAFT)

    assert message.defects == []
    assert message["From"].addresses[0].addr_spec == NO_SENDER.address


def test_the_call_s_own_from_address_wins(ctx, permit) -> None:
    message = _eml(ctx, permit, GmailDraftConnector(sender=SENDER), {**DRAFT, "from_address": "rep@agency.sa"})

    assert message["From"].addresses[0].addr_spec == "rep@agency.sa"
    assert message["From"].addresses[0].display_name == ""


def _ics(ctx, permit, connector, args) -> Calendar:
    delivery = connector.run(permit(connector.action, args), args, ctx)
    with open(delivery.outbox_path, "rb") as handle:
        return Calendar.from_ical(handle.read())


@pytest.mark.parametrize("connector", [CalendarDraftConnector(SENDER), CalendarInsertConnector(SENDER)])
def test_the_invitation_has_an_organizer_attendees_and_a_time_to_come(ctx, permit, now, connector) -> None:
    calendar = _ics(ctx, permit, connector, MEETING)

    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.events
    assert str(event["ORGANIZER"]) == "mailto:sara@agency.sa"
    assert event["ORGANIZER"].params["CN"] == "سارة من وكالة النخبة"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert [str(a) for a in attendees] == ["mailto:nora@client.sa"]
    assert event.start > now
    assert event.end - event.start == timedelta(minutes=30)


def test_an_invitation_with_no_configured_sender_still_has_an_organizer(ctx, permit) -> None:
    (event,) = _ics(ctx, permit, default_connectors()["calendar.draft"], MEETING).events

    assert str(event["ORGANIZER"]) == f"mailto:{NO_SENDER.address}"


def test_a_meeting_in_the_past_is_refused(ctx, permit) -> None:
    args = {**MEETING, "start": "2026-11-15T10:00:00"}  # half an hour before the fixed clock
    with pytest.raises(ConnectorError) as refused:
        CalendarDraftConnector(SENDER).run(permit("calendar.draft", args), args, ctx)
    assert refused.value.code == "meeting_in_past"


def test_a_sender_name_with_a_line_break_is_refused() -> None:
    with pytest.raises(ConnectorError):
        Sender("sara@agency.sa", "سارة\r\nBcc: x@evil.sa")


def test_the_gateway_demo_meeting_is_moved_to_a_week_still_to_come(now) -> None:
    """On main ``dealix demo`` wrote an invitation for 24 November, already past in December."""
    from dealix.cli.demo import upcoming_meeting

    moved = upcoming_meeting({"start": "2026-11-10T10:00:00", "end": "2026-11-10T10:30:00", "title": "x"}, now)

    assert moved == {"start": "2026-11-17T10:00:00", "end": "2026-11-17T10:30:00", "title": "x"}
    assert upcoming_meeting({"start": "2026-12-01T10:00:00"}, now) == {"start": "2026-12-01T10:00:00"}


def test_the_invoice_qr_reads_with_an_independent_tlv_decoder(ctx, permit) -> None:
    """The fatoora package reads a ZATCA QR with ``uttlv.TLV().parse_array``; so does this test
    (fatoora itself pins numpy 1.22 and opencv, which do not install beside our stack)."""
    import base64
    import json

    from uttlv import TLV

    from tools.connectors.moyasar import MoyasarInvoiceDraftConnector

    args = {"seller_name": "مؤسسة النخبة للتسويق", "vat_number": "310122393500003", "buyer_name": "متجر نورة",
            "items": [{"description": "باقة تجريبية لمدة أسبوعين", "quantity": 1, "unit_price": "12500.00"}]}
    connector = MoyasarInvoiceDraftConnector()
    delivery = connector.run(permit(connector.action, args), args, ctx)
    with open(delivery.outbox_path, encoding="utf-8") as handle:
        invoice = json.load(handle)

    tags = TLV()
    tags.parse_array(bytes(base64.b64decode(invoice["zatca_qr"])))
    values = {int(tag): tags[tag].decode() for tag in tags}

    assert values == {1: "مؤسسة النخبة للتسويق", 2: "310122393500003", 3: "2026-11-15T07:30:00Z",
                      4: "14375.00", 5: "1875.00"}
    assert values[4] == invoice["total"] and values[5] == invoice["vat"]
