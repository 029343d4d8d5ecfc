"""Running the real autopilot graph inside a sandbox, for the autopilot and injection suites.

The leads come from the case (typed rows, written to a CSV in the case's work dir); the graph,
its nodes, the copywriter and the gateway are the production ones, built by
``graphs.runtime.build_context`` over the sandbox's gateway. Approvals can then be answered by a
person with a role (``approve``), through the same ``decide`` the CLI and API use.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import phonenumbers
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, ConfigDict, Field

from evals.sandbox import Sandbox
from graphs.checkpoint import build_serializer
from graphs.runtime import StartResult, build_context, decide, start_autopilot, with_caller
from tools.models import Caller, Role

LEAD_HEADERS = ("company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes",
                "consent", "language")


class LeadRow(BaseModel):
    """One row of the leads file a case gives the autopilot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_name: str
    contact_name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    city: str = ""
    sector: str = ""
    source: str = ""
    notes: str = ""
    consent: str = Field(default="", description="e.g. 'opt-out' to mark a contact that must be skipped.")
    language: str = ""

    def addresses(self) -> set[str]:
        """The forms this lead's contact points take in a draft's 'to'."""
        found = {self.email.strip().lower()} if self.email.strip() else set()
        if self.phone.strip():
            try:
                number = phonenumbers.parse(self.phone, "SA")
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
            except phonenumbers.NumberParseException:
                pass
        return found


class AutopilotRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: StartResult
    targets: tuple[str, ...] = Field(description="Companies with a pending draft approval, in rank order.")
    decided: int = 0


def write_leads(path: Path, rows: tuple[LeadRow, ...]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LEAD_HEADERS))
        writer.writeheader()
        writer.writerows(row.model_dump() for row in rows)
    return path


def company_of(to: object, rows: tuple[LeadRow, ...]) -> str | None:
    address = str(to or "").strip().lower()
    return next((r.company_name for r in rows if address and address in r.addresses()), None)


def run_autopilot(sandbox: Sandbox, rows: tuple[LeadRow, ...], top_n: int, *,
                  approve: Literal["none", "all"] = "none") -> AutopilotRun:
    leads = write_leads(sandbox.settings.data_dir / "leads.csv", rows)
    ctx = build_context(sandbox.settings, sandbox.tenant, gateway=sandbox.gateway)
    saver = InMemorySaver(serde=build_serializer(sandbox.settings))
    start = start_autopilot(ctx, saver, leads, top_n=top_n, thread_id=f"{sandbox.tenant}:eval")
    targets = tuple(c for c in (company_of(a.action_request.args.get("to"), rows) for a in start.pending) if c)
    decided = 0
    if approve == "all":
        manager = with_caller(ctx, Caller(user_id="eval-sales-manager", tenant=sandbox.tenant,
                                          role=Role.sales_manager))
        for approval in start.pending:
            decide(manager, saver, approval.approval_id, "approve")
            decided += 1
    return AutopilotRun(start=start, targets=targets, decided=decided)
