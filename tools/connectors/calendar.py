"""``calendar.draft`` and ``calendar.insert``: a meeting invitation as an iCalendar ``.ics``.

The file is an iTIP request (RFC 5546, ``METHOD:REQUEST``) with one ``VEVENT`` whose times carry
``TZID=Asia/Riyadh`` and a matching ``VTIMEZONE``, so Outlook, Google Calendar and Apple Calendar
all show the meeting at the Riyadh time the seller meant. The event UID comes from the ledger id:
importing the file twice updates one meeting instead of creating two.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from tools.connectors.addresses import NO_SENDER, Sender, email_address
from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.connectors.clock import localise, zone
from tools.errors import ConnectorError

if TYPE_CHECKING:  # imported when an invitation is built: icalendar costs ~25 ms at every start-up otherwise
    from icalendar import Calendar

__all__ = ["CalendarDraftConnector", "CalendarInsertConnector", "MeetingArgs", "build_invitation"]

_PRODID = "-//Dealix//Dealix Connectors//AR"
_MAX_MINUTES = 24 * 60


class MeetingArgs(ConnectorArgs):
    """Arguments of a meeting. Give ``duration_minutes`` or ``end``, not both."""

    title: str = Field(min_length=1, description="Meeting title (SUMMARY); Arabic is fine.")
    start: datetime = Field(description="ISO 8601 start; without an offset it means the tenant's zone.")
    duration_minutes: int | None = Field(default=None, ge=1, le=_MAX_MINUTES, strict=True)
    end: datetime | None = Field(default=None, description="ISO 8601 end, instead of a duration.")
    attendees: list[str] = Field(min_length=1, description="Attendee email addresses.")
    organizer: str | None = Field(
        default=None, description="Organizer address; when absent the tenant's configured sender identity."
    )
    location: str | None = None
    description: str | None = None

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, value: list[str]) -> list[str]:
        # Order kept, duplicates dropped: an address listed twice is one invitee.
        return list(dict.fromkeys(email_address(item) for item in value))

    @field_validator("organizer")
    @classmethod
    def _organizer(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)

    @model_validator(mode="after")
    def _one_way_to_end(self) -> MeetingArgs:
        if (self.duration_minutes is None) == (self.end is None):
            raise ConnectorError(
                "نرجو تحديد مدة الاجتماع بالدقائق أو وقت انتهائه، وليس كليهما.",
                "Give exactly one of duration_minutes and end.",
                code="meeting_end_ambiguous",
            )
        return self


def build_invitation(meeting: MeetingArgs, *, ledger_id: str, ctx: ConnectorContext,
                     sender: Sender = NO_SENDER) -> Calendar:
    """The invitation; ``to_ical()`` gives the file's bytes.

    ``ORGANIZER`` is the call's ``organizer`` or else the tenant's sender identity (RFC 5546
    requires one on a ``METHOD:REQUEST``); a meeting that starts before now is refused: an
    invitation to the past is no invitation."""
    from icalendar import Calendar, Event, vCalAddress

    tz = zone(ctx)
    start = localise(meeting.start, tz)
    if meeting.end is not None:
        end = localise(meeting.end, tz)
    else:
        end = start + timedelta(minutes=meeting.duration_minutes or 0)
    if start < localise(ctx.now, tz):
        raise ConnectorError(
            "موعد الاجتماع في الماضي؛ نرجو اختيار موعد قادم.",
            "The meeting starts in the past; choose an upcoming time.",
            code="meeting_in_past",
        )
    if end <= start:
        raise ConnectorError(
            "وقت انتهاء الاجتماع يجب أن يكون بعد وقت بدايته.",
            "The meeting must end after it starts.",
            code="meeting_end_before_start",
        )
    if end - start > timedelta(minutes=_MAX_MINUTES):
        raise ConnectorError(
            "مدة الاجتماع أطول من يوم كامل؛ نرجو مراجعة وقت الانتهاء.",
            "A meeting may last at most one day.",
            code="meeting_too_long",
        )

    event = Event()
    event.add("uid", event_uid(ledger_id))
    # DTSTAMP is when this invitation was produced; UTC as RFC 5545 requires.
    event.add("dtstamp", localise(ctx.now, tz).astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", 0)
    event.add("summary", meeting.title)
    if meeting.description:
        event.add("description", meeting.description)
    if meeting.location:
        event.add("location", meeting.location)
    organizer = vCalAddress(f"mailto:{meeting.organizer or sender.address}")
    if meeting.organizer is None and sender.name:
        organizer.params["CN"] = sender.name
    event.add("organizer", organizer)
    for address in meeting.attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["CUTYPE"] = "INDIVIDUAL"
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)

    # Built by hand rather than with Calendar.new(), which stamps a random UID on the calendar
    # and would make two runs of the same ledger id differ.
    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def event_uid(ledger_id: str) -> str:
    return f"{ledger_id}@dealix"


class _MeetingConnector(Connector):
    extension: ClassVar[str] = "ics"
    idempotent: ClassVar[bool] = True

    def __init__(self, sender: Sender = NO_SENDER) -> None:
        self._sender = sender

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "title", "start", "attendees")
        meeting = parse_args(MeetingArgs, args)
        invitation = build_invitation(meeting, ledger_id=ledger_id, ctx=ctx, sender=self._sender)
        path = write_outbox(self.outbox_file(ctx, ledger_id), invitation.to_ical())
        event = invitation.events[0]
        # Times and counts only: titles and addresses may name people.
        return Delivery(
            outbox_path=str(path),
            transport="outbox",
            detail={
                "uid": event_uid(ledger_id),
                "start": event.start.isoformat(),
                "end": event.end.isoformat(),
                "attendees": len(meeting.attendees),
            },
        )


class CalendarDraftConnector(_MeetingConnector):
    """``calendar.draft``: the invitation file only; nothing is added to any calendar."""

    action: ClassVar[str] = "calendar.draft"


class CalendarInsertConnector(_MeetingConnector):
    """``calendar.insert``: today the same invitation file, delivered to the outbox.

    A live insert would need a Google Calendar adapter (``events.insert`` with the event UID
    taken from the ledger id, so that a retry updates rather than duplicates, and
    ``sendUpdates=none`` until the operator chooses otherwise). It is not built yet, so even a
    live permit ends in the outbox and the delivery says ``transport="outbox"``; the approval and
    the live flag stay the gateway's business.
    """

    action: ClassVar[str] = "calendar.insert"
