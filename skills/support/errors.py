"""Errors of Customer Ops.

    SupportError                base (a GatewayError): ``code`` (the message key), ``message_ar``, ``message_en``
    ├── TicketNotFound          no such ticket for this tenant (also another tenant's)   (404)
    ├── InvalidTicket           empty or over-long ticket text                           (422)
    ├── InvalidCsat             a score that is not a whole number from 1 to 5           (422)
    ├── CsatNotAllowed          before resolution, or recorded already                   (409)
    ├── InvalidTransition       a status change the workflow does not allow              (409)
    └── NoReplyChannel          no email or phone to draft a reply to                    (409)

Messages come from ``data/messages.yaml``; the API maps codes to HTTP in one place.
"""

from __future__ import annotations

from skills.support.catalog import load_catalog
from tools.errors import GatewayError


class SupportError(GatewayError):
    code = "support_error"

    def __init__(self, key: str, **params: object) -> None:
        ar, en = load_catalog().error(key, **params)
        super().__init__(ar, en, code=key)


class TicketNotFound(SupportError):
    code = "ticket_not_found"

    def __init__(self, ticket_id: str) -> None:
        super().__init__("ticket_not_found", ticket_id=ticket_id)


class InvalidTicket(SupportError):
    code = "invalid_ticket"


class InvalidCsat(SupportError):
    code = "csat_invalid"

    def __init__(self) -> None:
        super().__init__("csat_invalid")


class CsatNotAllowed(SupportError):
    code = "csat_not_allowed"


class InvalidTransition(SupportError):
    code = "invalid_transition"


class NoReplyChannel(SupportError):
    code = "no_reply_channel"

    def __init__(self) -> None:
        super().__init__("no_reply_channel")
