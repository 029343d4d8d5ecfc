"""Schemas of ``/api/v1/audit``: the tenant's audit trail (payloads are PII-masked at write time)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.models import AuditEvent


class AuditTrail(BaseModel):
    events: list[AuditEvent] = Field(description="Oldest first, after 'after_seq'.")
    chain_ok: bool | None = Field(default=None, description="With ?verify=true: whether the whole hash chain verifies.")


__all__ = ["AuditEvent", "AuditTrail"]
