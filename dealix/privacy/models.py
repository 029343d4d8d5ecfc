"""What ``dealix privacy export`` and ``erase`` return, and the one loader of their texts."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Text(BaseModel):
    model_config = ConfigDict(frozen=True)

    ar: str
    en: str


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    raw = resources.files("dealix.privacy").joinpath("data/texts.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(raw)
    return loaded


def text(key: str) -> Text:
    """``text("erased")`` or ``text("retained.threads")``."""
    node: Any = _texts()
    for part in key.split("."):
        node = node[part]
    return Text.model_validate(node)


class Residual(BaseModel):
    """A place where one of the contact's identifiers still appears."""

    model_config = ConfigDict(frozen=True)

    store: str = Field(description="File under the data dir, e.g. 'targeting.db' or 'outbox/x.eml'.")
    table: str | None = None
    column: str | None = None
    rows: int = Field(description="Rows (or 1 for a file) holding an identifier.")


class Retained(BaseModel):
    model_config = ConfigDict(frozen=True)

    what: str
    reason_ar: str
    reason_en: str
    where: list[str] = Field(default_factory=list)


class ContactExport(BaseModel):
    """Data subject access: everything held about one contact of one tenant."""

    contact_id: str
    also_known_as: list[str] = Field(default_factory=list, description="Other ids of the same person (same address).")
    tenant: str
    generated_at: datetime
    message_ar: str
    found: bool = Field(description="False when no store holds anything about the contact.")
    targeting: dict[str, Any] = Field(description="Leads (the contact and leads merged into it), merges, touches.")
    gateway: dict[str, Any] = Field(description="Consent history, approvals, ledger entries, work units, audit events.")
    outbox: list[dict[str, Any]] = Field(description="Files that were written for the contact, with their text.")
    memory: dict[str, Any] = Field(description="Approved examples, similar-lead and proof points naming the contact.")
    support: list[dict[str, Any]] = Field(description="Support tickets of the contact, when Customer Ops stores any.")
    threads: list[str] = Field(description="Saved graph threads with approvals for the contact.")
    also_found_in: list[Residual] = Field(description="Other stores in the data dir where its identifiers appear.")


class ErasureReport(BaseModel):
    contact_id: str
    also_known_as: list[str] = Field(default_factory=list)
    tenant: str
    erased_at: datetime
    complete: bool = Field(description="True when no identifier of the contact remains outside what is retained.")
    message_ar: str
    message_en: str
    counts: dict[str, int] = Field(description="Rows or points erased or pseudonymised, per store.")
    outbox_files_deleted: int
    threads_deleted: list[str]
    retained: list[Retained]
    residual: list[Residual] = Field(description="Where the contact's identifiers still appear (should be empty).")
    audit_event: str = Field(description="The privacy_erasure audit event.")
    audit_chain_ok: bool
