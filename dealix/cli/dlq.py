"""``dealix dlq``: the dead-letter queue — list failed executions, retry them (one, or every due one), discard.

Every retry and discard goes through the gateway (a ``dlq.retry`` / ``dlq.discard`` decision in the
audit log); a retry runs the same effect key under the same approval, so it executes at most once.
The letters' arguments are never printed: only ids, codes, counts and masked error text.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.governance.dlq import DeadLetterDesk, parse_statuses
from tools.deadletter import SWEEPER, DeadLetter, DeadLetterRetry, load_dlq_settings
from tools.errors import GatewayError
from tools.gateway import Gateway
from tools.models import Caller, Role
from tools.saudi_time import RIYADH

dlq_app = typer.Typer(help="Dead-letter queue: failed connector executions — list, retry with backoff, discard.",
                      no_args_is_help=True)

TenantOpt = Annotated[str | None, typer.Option("--tenant", help="Tenant id (list and --due: every tenant if omitted).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of the Arabic summary.")]
RoleOpt = Annotated[Role, typer.Option("--as", help="The role you act as.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Your user id (default: the OS user).")]


def _say(text: str) -> None:
    stdout().print(text, markup=False, highlight=False)


def _gateway() -> Gateway:
    settings = get_settings()
    settings.ensure_data_dir()
    return build_gateway(settings)


def _when(letter: DeadLetter) -> str:
    return letter.next_retry_at.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M") if letter.next_retry_at else "—"


def _row(letter: DeadLetter) -> str:
    texts = load_dlq_settings().texts
    return texts.cli_row.format(letter_id=letter.letter_id, action=letter.action, status=texts.status[letter.status],
                                attempts=letter.attempts, max_attempts=letter.max_attempts,
                                error_code=letter.error_code, next_retry=_when(letter))


def _tenant_of(gateway: Gateway, letter_id: str, tenant: str | None) -> str:
    """The operator's CLI may name a letter without its tenant; the gateway calls stay tenant-scoped."""
    if tenant is not None:
        return tenant
    with gateway.store.read() as conn:
        row = conn.execute("SELECT tenant FROM dead_letters WHERE letter_id = ?", (letter_id,)).fetchone()
    return str(row["tenant"]) if row is not None else "default"


@dlq_app.command("list")
def list_letters(tenant: TenantOpt = None, as_json: JsonOpt = False,
                 status: Annotated[list[str] | None, typer.Option(
                     "--status", help="waiting, retrying, exhausted, resolved, discarded, in_doubt, or open.")] = None,
                 ) -> None:
    """Failed executions with their error (masked), attempts and next retry (Riyadh time)."""
    try:
        statuses = parse_statuses(status)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--status") from error
    report = DeadLetterDesk(tenant, gateway=_gateway()).report(statuses)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    texts = load_dlq_settings().texts
    counts = report.by_status
    _say(texts.cli_summary.format(total=len(report.letters), waiting=counts.get("waiting", 0),
                                  exhausted=counts.get("exhausted", 0), in_doubt=counts.get("in_doubt", 0)))
    if not report.letters:
        _say(texts.none)
    for letter in report.letters:
        _say(_row(letter))


@dlq_app.command("retry")
def retry(letter_id: Annotated[str | None, typer.Argument(help="The letter to retry (dlq_…).")] = None,
          due: Annotated[bool, typer.Option("--due", help="Retry every letter whose next retry has passed.")] = False,
          force: Annotated[bool, typer.Option("--force", help="Before it is due (ceo, service_delivery).")] = False,
          tenant: TenantOpt = None, role: RoleOpt = Role.service_delivery, user: UserOpt = None,
          as_json: JsonOpt = False) -> None:
    """Retry one letter (same effect key and approval: at most one execution), or every due one with --due."""
    if due == (letter_id is not None):
        raise typer.BadParameter("give a letter id or --due (not both)")
    gateway = _gateway()
    texts = load_dlq_settings().texts
    if due:
        desk = DeadLetterDesk(tenant, gateway=gateway)
        pending = len(desk.due())
        with Progress(TextColumn("[bold]إعادة المحاولات المستحقة[/bold]"), BarColumn(), MofNCompleteColumn(),
                      console=Console(stderr=True), transient=True, disable=as_json or pending == 0) as bar:
            task = bar.add_task(SWEEPER, total=pending)
            report = desk.retry_due(progress=lambda _result: bar.advance(task))
        if as_json:
            print_json(report.model_dump(mode="json"))
            return
        _say(texts.cli_due.format(count=report.retried, resolved=report.resolved, failed=report.failed,
                                  exhausted=report.exhausted, refused=report.refused))
        for result in report.results:
            _say(_retried(result))
        return
    assert letter_id is not None
    owner = _tenant_of(gateway, letter_id, tenant)
    caller = Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=owner, role=role)
    try:
        result = DeadLetterDesk(owner, gateway=gateway).retry(letter_id, caller, force=force)
    except GatewayError as error:
        raise fail(error) from error
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    _say(_retried(result))
    if result.outcome in ("failed", "refused", "in_doubt"):
        raise typer.Exit(code=2)


def _retried(result: DeadLetterRetry) -> str:
    texts = load_dlq_settings().texts
    return texts.cli_retried.format(letter_id=result.letter.letter_id, status=texts.status[result.letter.status],
                                    message=result.message_ar)


@dlq_app.command("discard")
def discard(letter_id: Annotated[str, typer.Argument(help="The letter to discard (dlq_…).")],
            reason: Annotated[str, typer.Option("--reason", help="Why it must never run (kept in the audit log).")],
            tenant: TenantOpt = None, role: RoleOpt = Role.service_delivery, user: UserOpt = None,
            as_json: JsonOpt = False) -> None:
    """Discard a letter: it never runs again; the decision and its reason are audited."""
    gateway = _gateway()
    owner = _tenant_of(gateway, letter_id, tenant)
    caller = Caller(user_id=user or f"cli:{getpass.getuser()}", tenant=owner, role=role)
    try:
        letter = DeadLetterDesk(owner, gateway=gateway).discard(letter_id, caller, reason)
    except GatewayError as error:
        raise fail(error) from error
    if as_json:
        print_json(letter.model_dump(mode="json"))
        return
    _say(load_dlq_settings().texts.cli_discarded.format(letter_id=letter.letter_id))
