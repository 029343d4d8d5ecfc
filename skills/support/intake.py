"""Ticket intake: an email (raw RFC 5322 text or a plain body), a WhatsApp message, or an API call.

    from_email("From: Sara <sara@x.sa>\\nSubject: ...\\n\\nbody")   -> sender, subject, plain body
    from_whatsapp("[22/11/2026, 10:15] +966 55 000 1234: نص")    -> sender number (E.164), text
    from_api(body=..., customer_email=...)                        -> as given, validated

Only the text and the sender's address are taken; headers, attachments and HTML are dropped.
Nothing here logs the text or the address.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr

import phonenumbers

from skills.support.errors import InvalidTicket
from skills.support.models import IncomingTicket, TicketSource

MAX_BODY = 20_000
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\s")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# One line of a WhatsApp chat export: "[22/11/2026, 10:15] +966 55 000 1234: text" or
# "22/11/2026, 10:15 - Name: text" (12- or 24-hour clock).
_WA_LINE = re.compile(
    r"^\[?\d{1,2}[/.]\d{1,2}[/.]\d{2,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s?[APap][Mm])?\]?\s*(?:-\s*)?"
    r"(?P<sender>[^:]{1,60}):\s*(?P<text>.*)$", re.DOTALL)


def normalize_email(value: str | None) -> str | None:
    if not value:
        return None
    address = parseaddr(value)[1].strip().lower()
    return address if _EMAIL.match(address) else None


def normalize_phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, "SA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _checked(source: TicketSource, body: str, **fields: str | None) -> IncomingTicket:
    text = body.strip()
    if not text:
        raise InvalidTicket("empty_ticket")
    if len(text) > MAX_BODY:
        raise InvalidTicket("ticket_too_long", limit=MAX_BODY)
    subject = (fields.pop("subject", None) or "").strip()[:300] or None
    return IncomingTicket(source=source, body=text, subject=subject, **fields)


def from_email(raw: str, *, customer_email: str | None = None, customer_name: str | None = None,
               customer_id: str | None = None) -> IncomingTicket:
    """A raw message (headers, blank line, body) or just the body text."""
    lines = raw.lstrip().splitlines()
    if lines and _HEADER_LINE.match(lines[0]) and "\n\n" in raw.replace("\r\n", "\n"):
        # Parsed from bytes: a text/plain part with raw UTF-8 (no transfer encoding) then decodes as UTF-8.
        message = message_from_bytes(raw.lstrip().encode("utf-8"), policy=default_policy)
        assert isinstance(message, EmailMessage)
        name, address = parseaddr(str(message.get("From", "")))
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        return _checked("email", body, subject=str(message.get("Subject", "")) or None,
                        customer_email=normalize_email(customer_email or address),
                        customer_name=customer_name or name or None, customer_id=customer_id)
    return _checked("email", raw, customer_email=normalize_email(customer_email), customer_name=customer_name,
                    customer_id=customer_id)


def from_whatsapp(text: str, *, phone: str | None = None, customer_name: str | None = None,
                  customer_id: str | None = None) -> IncomingTicket:
    """A message text (and the sender's number), or a line of a chat export that carries both."""
    match = _WA_LINE.match(text.strip())
    if match is not None:
        sender, text = match.group("sender").strip(), match.group("text")
        if phone is None and normalize_phone(sender):
            phone = sender
        elif customer_name is None and not normalize_phone(sender):
            customer_name = sender
    return _checked("whatsapp", text, customer_phone=normalize_phone(phone), customer_name=customer_name,
                    customer_id=customer_id)


def from_api(body: str, *, subject: str | None = None, customer_email: str | None = None,
             customer_phone: str | None = None, customer_name: str | None = None,
             customer_id: str | None = None) -> IncomingTicket:
    return _checked("api", body, subject=subject, customer_email=normalize_email(customer_email),
                    customer_phone=normalize_phone(customer_phone), customer_name=customer_name,
                    customer_id=customer_id)
