"""Reading one tenant's audit trail in pages (the gateway's log is the source of every governance fact)."""

from __future__ import annotations

from collections.abc import Iterator

from tools.audit import AuditLog
from tools.models import AuditEvent

PAGE = 1000


def tenant_events(audit: AuditLog, tenant: str, *, kinds: frozenset[str] | None = None) -> Iterator[AuditEvent]:
    """Every event of ``tenant`` in order (optionally only some kinds)."""
    after = 0
    while True:
        page = audit.events(tenant=tenant, limit=PAGE, after_seq=after)
        for event in page:
            if kinds is None or event.kind in kinds:
                yield event
        if len(page) < PAGE:
            return
        after = page[-1].seq
