"""Email addresses: syntax check, normalised form, and the company domain they reveal."""

from __future__ import annotations

import re

from skills.targeting.textkeys import fold_digits

# Pragmatic RFC 5322 subset: what real business mailboxes use; no quoted local parts or IP hosts.
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)


def normalize_email(raw: str | None) -> str | None:
    """The address lowercased and trimmed, or None when it is not a valid address."""
    if not raw:
        return None
    text = fold_digits(raw).strip().strip("<>").replace("mailto:", "").lower()
    if ".." in text or not _EMAIL.match(text):
        return None
    return text


def email_domain(email: str | None, free_domains: frozenset[str]) -> str | None:
    """The employer's domain, or None for free mailboxes (gmail.com and the like)."""
    if not email:
        return None
    domain = email.rsplit("@", 1)[1]
    return None if domain in free_domains else domain
