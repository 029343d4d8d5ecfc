from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tools.connectors.calendar import CalendarDraftConnector, CalendarInsertConnector
from tools.errors import ConnectorError

RIYADH = ZoneInfo("Asia/Riyadh")


def args(**extra):
    base = {
        "title": "اجتماع تعريفي مع فريق المبيعات",
        "start": "2026-11-17T10:00:00",
        "duration_minutes": 45,
        "attendees": ["buyer@client.sa", "cfo@client.sa"],
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def run(connector, args_, ctx, permit, **kw):
    return connector.run(permit(connector.action, args_, **kw), args_, ctx)


def parse(path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_invitation_is_an_itip_request_with_riyadh_times(ctx, permit):
    a = args(description="جدول الأعمال:\nالتعريف بالخدمة\nالأسعار", location="الرياض، حي العليا",
             organizer="rep@agency.sa")
    delivery = run(CalendarDraftConnector(), a, ctx, permit)

    raw = (ctx.outbox_dir / "calendar.draft-L1.ics").read_bytes()
    assert delivery.outbox_path.endswith("calendar.draft-L1.ics")
    assert b"METHOD:REQUEST" in raw
    assert b"DTSTART;TZID=Asia/Riyadh:20261117T100000" in raw
    assert b"DTEND;TZID=Asia/Riyadh:20261117T104500" in raw
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:Asia/Riyadh" in raw

    calendar = parse(ctx.outbox_dir / "calendar.draft-L1.ics")
    (event,) = calendar.events
    assert str(event["UID"]) == "L1@dealix"
    assert event.start == datetime(2026, 11, 17, 10, 0, tzinfo=RIYADH)
    assert event.end - event.start == timedelta(minutes=45)
    assert str(event["SUMMARY"]) == "اجتماع تعريفي مع فريق المبيعات"
    assert str(event["DESCRIPTION"]) == "جدول الأعمال:\nالتعريف بالخدمة\nالأسعار"
    assert str(event["LOCATION"]) == "الرياض، حي العليا"
    assert str(event["ORGANIZER"]) == "mailto:rep@agency.sa"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:buyer@client.sa", "mailto:cfo@client.sa"]
    assert attendees[0].params["RSVP"] == "TRUE"
    assert event["DTSTAMP"].dt == datetime(2026, 11, 15, 7, 30, tzinfo=ZoneInfo("UTC"))


def test_aware_start_is_converted_to_riyadh(ctx, permit):
    run(CalendarDraftConnector(), args(start="2026-11-17T07:00:00Z"), ctx, permit)
    raw = (ctx.outbox_dir / "calendar.draft-L1.ics").read_bytes()
    assert b"DTSTART;TZID=Asia/Riyadh:20261117T100000" in raw


def test_end_may_be_given_instead_of_a_duration(ctx, permit):
    delivery = run(CalendarDraftConnector(), args(duration_minutes=None, end="2026-11-17T11:30:00"), ctx, permit)
    assert delivery.detail["end"] == "2026-11-17T11:30:00+03:00"


@pytest.mark.parametrize("end", ["2026-11-17T10:00:00", "2026-11-17T09:00:00", "2026-11-17T06:59:00Z"])
def test_end_not_after_start_is_refused(ctx, permit, end):
    with pytest.raises(ConnectorError) as caught:
        run(CalendarDraftConnector(), args(duration_minutes=None, end=end), ctx, permit)
    assert caught.value.code == "meeting_end_before_start"
    assert "بعد وقت بدايته" in caught.value.message_ar
    assert not ctx.outbox_dir.exists()


def test_both_or_neither_duration_and_end_is_refused(ctx, permit):
    with pytest.raises(ConnectorError) as both:
        run(CalendarDraftConnector(), args(end="2026-11-17T11:00:00"), ctx, permit)
    with pytest.raises(ConnectorError) as neither:
        run(CalendarDraftConnector(), args(duration_minutes=None), ctx, permit, ledger_id="L2")
    assert both.value.code == neither.value.code == "meeting_end_ambiguous"


@pytest.mark.parametrize("minutes", [0, -30, 24 * 60 + 1, "45"])
def test_duration_out_of_range_is_refused(ctx, permit, minutes):
    with pytest.raises(ConnectorError) as caught:
        run(CalendarDraftConnector(), args(duration_minutes=minutes), ctx, permit)
    assert caught.value.code == "arguments_invalid"
    assert "duration_minutes" in caught.value.message_ar


def test_bad_attendee_is_refused(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(CalendarDraftConnector(), args(attendees=["buyer@client.sa", "not-an-email"]), ctx, permit)
    assert caught.value.code == "email_invalid"


def test_duplicate_attendees_are_invited_once(ctx, permit):
    delivery = run(CalendarDraftConnector(), args(attendees=["a@client.sa", "A@CLIENT.SA", "a@client.sa"]), ctx, permit)
    assert delivery.detail["attendees"] == 2  # the local part is case-sensitive, the domain is not


def test_missing_arguments_are_named_in_arabic(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(CalendarDraftConnector(), {"title": "اجتماع"}, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert "start" in caught.value.message_ar and "attendees" in caught.value.message_ar


def test_same_ledger_id_twice_gives_one_identical_file(ctx, permit, tmp_path):
    connector = CalendarDraftConnector()
    run(connector, args(), ctx, permit)
    content = (ctx.outbox_dir / "calendar.draft-L1.ics").read_bytes()
    run(connector, args(), ctx, permit)
    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "calendar.draft-L1.ics"]
    assert (ctx.outbox_dir / "calendar.draft-L1.ics").read_bytes() == content


def test_rendering_is_deterministic(ctx, permit, tmp_path):
    other = replace(ctx, outbox_dir=tmp_path / "elsewhere")
    run(CalendarDraftConnector(), args(), ctx, permit)
    run(CalendarDraftConnector(), args(), other, permit)
    assert (ctx.outbox_dir / "calendar.draft-L1.ics").read_bytes() == (
        other.outbox_dir / "calendar.draft-L1.ics"
    ).read_bytes()


def test_insert_writes_the_same_invitation_to_the_outbox_even_when_live(ctx, permit):
    delivery = run(CalendarInsertConnector(), args(), ctx, permit, live=True)
    assert CalendarInsertConnector.idempotent is True
    assert delivery.transport == "outbox"
    assert delivery.outbox_path.endswith("calendar.insert-L1.ics")
    (event,) = parse(ctx.outbox_dir / "calendar.insert-L1.ics").events
    assert str(event["UID"]) == "L1@dealix"


def test_detail_carries_no_title_or_addresses(ctx, permit):
    delivery = run(CalendarDraftConnector(), args(), ctx, permit)
    flat = repr(delivery.detail)
    assert "client.sa" not in flat and "اجتماع" not in flat
