"""``dealix privacy``: PDPL data subject access (export) and erasure for one contact.

Exit codes: export 0 (data found), 4 (nothing held about the contact); erase 0 (complete),
3 (incomplete: the report lists where data remains), 1 (aborted, or the audit chain does not
verify afterwards).
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from dealix.cli.output import print_json, stdout
from dealix.privacy.models import text
from dealix.privacy.service import PrivacyDesk
from dealix.settings import get_settings

privacy_app = typer.Typer(help="PDPL rights: export or erase everything held about one contact.", no_args_is_help=True)

ContactOpt = Annotated[str, typer.Option("--contact", help="Contact id (the lead id, e.g. ld_…).")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
ActorOpt = Annotated[str | None, typer.Option("--actor", help="Who asks (recorded in the audit log).")]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@privacy_app.command("export")
def export(
    contact: ContactOpt,
    tenant: TenantOpt = "default",
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON here (mode 0600), not stdout.")] = None,
    actor: ActorOpt = None,
) -> None:
    """Everything held about the contact, as JSON: leads, consent, approvals, ledger, outbox, memory, tickets."""
    report = PrivacyDesk(get_settings(), tenant=tenant, actor=_actor(actor)).export(contact)
    data = report.model_dump(mode="json")
    if out is None:
        print_json(data)
    else:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
        stdout().print(f"{report.message_ar}\n{out}", markup=False)
    raise typer.Exit(code=0 if report.found else 4)


@privacy_app.command("erase")
def erase(
    contact: ContactOpt,
    tenant: TenantOpt = "default",
    delete_threads: Annotated[bool, typer.Option("--delete-threads",
                                                 help="Also delete saved graph threads that hold the contact's "
                                                      "drafts (their other pending work goes with them).")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    actor: ActorOpt = None,
) -> None:
    """Erase or pseudonymise the contact's personal data in every store; the audit chain still verifies."""
    if not yes and not typer.confirm(text("confirm").ar.format(contact=contact), default=False):
        raise typer.Exit(code=1)
    report = PrivacyDesk(get_settings(), tenant=tenant, actor=_actor(actor)).erase(contact,
                                                                                 delete_threads=delete_threads)
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        console = stdout()
        console.print(report.message_ar, markup=False)
        console.print(", ".join(f"{k}={v}" for k, v in sorted(report.counts.items()) if v), markup=False)
        for kept in report.retained:
            console.print(f"- {kept.reason_ar}", markup=False)
        for left in report.residual:
            console.print(f"! {left.store} {left.table or ''} {left.column or ''} ({left.rows})", markup=False)
        console.print(f"audit: {report.audit_event} · chain {'ok' if report.audit_chain_ok else 'BROKEN'}",
                      markup=False)
    if not report.audit_chain_ok:
        raise typer.Exit(code=1)
    raise typer.Exit(code=0 if report.complete else 3)
