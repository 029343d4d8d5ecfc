"""``dealix users create|list|revoke``: API keys per user, carrying tenant and role, stored hashed."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from api.keys import key_store_for
from dealix.cli.output import print_json, stdout
from dealix.settings import get_settings
from tools.models import Role

users_app = typer.Typer(help="API keys: one per user, with its tenant and role (the key is shown once).",
                        no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@users_app.command("create")
def create(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id (a-z, 0-9, '-', '_').")],
    role: Annotated[Role, typer.Option("--role", help="The user's role: decides which approvals they may give.")],
    user: Annotated[str | None, typer.Option("--user", help="User id (default: ROLE-of-TENANT).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Issue an API key. It is printed once and stored only as a keyed hash: keep it now."""
    keys = key_store_for(get_settings())
    try:
        issued = keys.create(user_id=user or f"{role.value}-of-{tenant}", tenant=tenant, role=role,
                             now=datetime.now(UTC))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tenant / --user") from exc
    if json_out:
        print_json({"key": issued.key, "key_id": issued.key_id, **issued.caller.model_dump(mode="json")})
        return
    console = stdout()
    console.print(f"المفتاح (يُعرض مرة واحدة فقط) · key (shown once): {issued.key}", markup=False, highlight=False)
    console.print(f"user {issued.caller.user_id} · tenant {tenant} · role {role.value} · key id {issued.key_id}",
                  markup=False, highlight=False)


@users_app.command("list")
def list_keys(tenant: Annotated[str | None, typer.Option("--tenant")] = None, json_out: JsonOpt = False) -> None:
    """Keys (never their secrets): key id, user, tenant, role, created, revoked."""
    records = key_store_for(get_settings()).list_keys(tenant)
    if json_out:
        print_json([r.model_dump(mode="json") for r in records])
        return
    table = Table(title=f"API keys ({len(records)})")
    for column in ("key id", "user", "tenant", "role", "created", "revoked"):
        table.add_column(column)
    for r in records:
        table.add_row(r.key_id, r.caller.user_id, r.caller.tenant, r.caller.role.value, r.created_at.isoformat(),
                      r.revoked_at.isoformat() if r.revoked_at else "")
    stdout().print(table)


@users_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id (from 'users list').")]) -> None:
    """Revoke a key: it stops working at once, console sessions included."""
    if not key_store_for(get_settings()).revoke(key_id, now=datetime.now(UTC)):
        stdout().print(f"لا يوجد مفتاح نشط بهذا المعرّف · no active key {key_id}", markup=False)
        raise typer.Exit(code=1)
    stdout().print(f"أُلغي المفتاح · revoked {key_id} (by {getpass.getuser()})", markup=False)
