"""Response schemas of the proof routes: proof packs, the proof ledger and revenue work units."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from skills.proof.ledger import LedgerEntry
from skills.proof.models import ProofPack
from tools.models import RevenueWorkUnit, RWUType

PackFormat = Literal["json", "md", "html", "pdf"]


class PeriodOut(BaseModel):
    start: date = Field(description="First day (Asia/Riyadh).")
    end: date = Field(description="Last day, included (Asia/Riyadh).")
    timezone: Literal["Asia/Riyadh"] = "Asia/Riyadh"


class ProofPackResponse(BaseModel):
    pack: ProofPack = Field(description="What was created, protected, awaiting approval; estimate; next steps.")


class ProofLedgerResponse(BaseModel):
    tenant: str
    period: PeriodOut
    total: int = Field(description="Work units in the period (entries may list fewer: see limit).")
    entries: list[LedgerEntry] = Field(description="Newest first: each unit with the audit event that proves it.")
    chain_ok: bool = Field(description="The audit hash chain verifies end to end.")
    events_checked: int


class RevenueWorkUnitsResponse(BaseModel):
    tenant: str
    period: PeriodOut
    total: int
    counts: dict[RWUType, int] = Field(description="Units per type in the period (every type listed).")
    units: list[RevenueWorkUnit] = Field(description="Newest first, at most `limit`.")
