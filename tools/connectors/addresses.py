"""Email address validation shared by the Gmail and calendar connectors.

A deliberately small check grounded in the RFCs rather than a permissive regex:

- the local part is an RFC 5322 ``dot-atom`` (ASCII ``atext`` joined by single dots, no quoted
  strings, no comments, no display names) of at most 64 octets (RFC 5321 section 4.5.3.1.1);
- the domain has at least two labels of letters, digits and inner hyphens, each at most 63
  octets, with a non-numeric top-level label; an internationalised domain such as
  ``شركة.السعودية`` is accepted and converted to its ASCII (punycode) form, which is what mail
  headers and calendar ``mailto:`` URIs carry;
- the whole address is at most 254 octets (the RFC 5321 path limit minus the angle brackets).

Anything outside that, including every control character, is refused, which also closes header
injection through an address (``a@b.sa\\r\\nBcc: …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.errors import ConnectorError

__all__ = ["NO_SENDER", "Sender", "email_address"]


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def email_address(value: str) -> str:
    """Return the address with its domain lower-cased and in ASCII form, or raise ``ConnectorError``."""
    # Only surrounding spaces are forgiven; a stray CR or LF is refused, never trimmed away.
    local, sep, domain = value.strip(" ").rpartition("@")
    if not sep or not local or not domain:
        raise _invalid()
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise _invalid()
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        raise _invalid()
    address = f"{local}@{ascii_domain}"
    if len(address) > 254:
        raise _invalid()
    return address


def _ascii_domain(domain: str) -> str | None:
    if not domain.isascii():
        try:
            # The stdlib IDNA codec (RFC 3490) folds and punycodes each label; it refuses
            # control characters and over-long labels, which we treat as invalid.
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = domain.lower().split(".")
    if len(labels) < 2 or len(domain) > 253:
        return None
    if not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return None
    return ".".join(labels)


def _invalid() -> ConnectorError:
    # The address itself stays out of the message: errors are logged and may reach an audit trail.
    return ConnectorError(
        "عنوان البريد الإلكتروني غير صالح؛ نرجو التأكد من كتابته بالصيغة name@example.com.",
        "Invalid email address.",
        code="email_invalid",
    )


@dataclass(frozen=True)
class Sender:
    """Who a draft is from (the tenant's sender identity): an address and an optional display name.

    RFC 5322 requires a ``From:`` on every message and RFC 5546 an ``ORGANIZER`` on every
    invitation; the application configures this identity (``DEALIX_SENDER_EMAIL``)."""

    address: str
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", email_address(self.address))
        if self.name is not None and any(ord(ch) < 32 or ch in "\x7f\u2028\u2029" for ch in self.name):
            raise _invalid()


# When no identity is configured: a reserved name (RFC 2606) no mail system delivers to, so a
# draft opened in a mail client shows plainly that its sender still has to be chosen.
NO_SENDER = Sender("drafts@dealix.invalid", "Dealix")
