"""Who may receive an outreach draft: the gateway's view of the lead directory.

The gateway asks a :class:`RecipientDirectory` about every recipient of an outreach action (an
action marked ``outreach: true`` in the policy): is this address one of the lead's contact points,
and may the lead be contacted on this channel now (source policy, consent, do-not-contact,
cool-downs and weekly caps)? The answer, a :class:`RecipientCheck`, is a fact of the policy
decision like consent. After an outreach is delivered the gateway records a touch through the same
directory, which is what the caps and the one-draft-a-day rule count.

The tools layer only defines the protocol; the Targeting OS implements it
(``skills.targeting.recipients``) and the app shell hands it to the gateway.

``targeting.add_contact_point`` is the audited way to add an address to a lead (after which a
draft to it is checked like any other): :class:`ContactPointConnector` runs it under the
gateway's side-effect ledger, once, after the approval the policy asks for.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

import phonenumbers

from tools.connectors.addresses import email_address
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.consent import normalise_address
from tools.errors import ConnectorError
from tools.models import Channel, RecentTouch, RecipientCheck, RecipientStatus

ADD_CONTACT_POINT_ACTION = "targeting.add_contact_point"

AddressKind = Literal["email", "phone"]


class RecipientDirectory(Protocol):
    """What the gateway needs from the lead directory (the Targeting OS)."""

    def check(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
              now: datetime) -> RecipientCheck | None:
        """The verdict on ``address`` for ``contact_id`` (or, without one, for the lead owning the
        address); None when neither the contact nor the address is a lead this directory knows."""

    def record_touch(self, tenant: str, contact_id: str | None, channel: Channel, address: str,
                     at: datetime) -> None:
        """Record a delivered outreach for the lead (found as :meth:`check` finds it); no-op if unknown."""

    def add_contact_point(self, tenant: str, contact_id: str, kind: AddressKind, address: str,
                          at: datetime, by: str) -> bool:
        """Add a normalised address to a lead; False when the lead is unknown."""


def recipients_of(args: dict[str, Any]) -> list[str]:
    """Every address an outreach's arguments send to (``to`` and ``cc``, one or many), in order."""
    found: list[str] = []
    for name in ("to", "cc"):
        value = args.get(name)
        items = value if isinstance(value, list | tuple) else [value]
        found += [item for item in items if isinstance(item, str) and item.strip()]
    return found


def address_key(address: str) -> str:
    """The address as compared: emails lower-cased, phones in E.164 whatever their spelling."""
    return normalise_address(address.strip().removeprefix("mailto:"))


def valid_address(address: str) -> tuple[AddressKind, str]:
    """The kind and normalised form of an address, or ConnectorError when it is neither a valid email
    nor a valid phone number."""
    text = address_key(address)
    if "@" in text:
        return "email", email_address(text).lower()
    try:
        number = phonenumbers.parse(text, "SA")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ConnectorError("العنوان ليس بريداً إلكترونياً أو رقم هاتف صالحاً.",
                             "Not a valid email address or phone number.", code="address_invalid")
    return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ContactPointConnector(Connector):
    """``targeting.add_contact_point``: add one address to one lead, once (internal; nothing leaves).

    The outbox receipt names the lead, the kind of address and the ledger row, not the address.
    """

    action: ClassVar[str] = ADD_CONTACT_POINT_ACTION
    extension: ClassVar[str] = "json"
    idempotent: ClassVar[bool] = True

    def __init__(self, directory: RecipientDirectory) -> None:
        self._directory = directory

    def _deliver(self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext) -> Delivery:
        require(args, "contact_id", "address", "added_by")
        kind, value = valid_address(str(args["address"]))
        contact_id = str(args["contact_id"])
        if not self._directory.add_contact_point(ctx.tenant, contact_id, kind, value, ctx.now, str(args["added_by"])):
            raise ConnectorError("لا يوجد عميل بهذا المعرّف في سجل العملاء.", "No lead with this id.",
                                 code="lead_not_found")
        receipt = {"contact_id": contact_id, "kind": kind, "ledger_id": ledger_id, "at": ctx.now.isoformat()}
        path = write_outbox(self.outbox_file(ctx, ledger_id), json.dumps(receipt, ensure_ascii=False).encode())
        return Delivery(outbox_path=str(path), transport="internal", detail={"contact_id": contact_id, "kind": kind})


__all__ = [
    "ADD_CONTACT_POINT_ACTION",
    "AddressKind",
    "ContactPointConnector",
    "RecentTouch",
    "RecipientCheck",
    "RecipientDirectory",
    "RecipientStatus",
    "address_key",
    "recipients_of",
    "valid_address",
]
