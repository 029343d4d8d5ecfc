"""``dealix consent``: record an opt-in or an opt-out for a phone or an email, and show where it stands.

ADDRESS is a phone number in any spelling (05x, 5x, +966, 00966, Arabic-Indic or Persian digits,
with spaces or dashes) or an email. Every change is audited (who, when, source, lawful basis; the
address pseudonymised) and holds for every lead with that phone or email, including leads
imported later. An opt-out always wins: an opt-in over a standing opt-out is refused unless the
person consented again (``--renewed``).

Exit codes: 0 recorded (or shown), 1 refused (the message says why).
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.console import Console

from dealix.cli.output import print_json, stdout
from dealix.settings import Settings, get_settings
from skills.targeting.factory import DEFAULT_TENANT, build_service
from tools.audit import AuditLog
from tools.consent import ConsentRegistry, LawfulBasis, normalise_address
from tools.consent_book import ConsentBook, ConsentChange, ConsentEntry, ConsentError, ConsentView
from tools.models import Channel
from tools.pii import PiiMasker
from tools.saudi_time import system_clock
from tools.store import Store

consent_app = typer.Typer(help="Consent: record opt-ins and opt-outs (PDPL), audited; show a contact's consent.",
                          no_args_is_help=True)

AddressArg = Annotated[str, typer.Argument(help="Phone (any spelling) or email.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
ActorOpt = Annotated[str | None, typer.Option("--actor", help="Who records it (kept in the audit log).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]

_STATUS_AR = {"opt_in": "موافق", "opt_out": "طلب الإيقاف", "none": "لا يوجد سجل"}
_CHANNEL_AR = {"email": "البريد الإلكتروني", "whatsapp": "واتساب", "phone": "الاتصال الهاتفي", "sms": "الرسائل النصية",
               "all": "كل القنوات"}


def consent_book(settings: Settings) -> ConsentBook:
    """The consent book over the gateway's store and audit log (the same file the gateway opens)."""
    settings.ensure_data_dir()
    store = Store(settings.sqlite_path)
    key = settings.signing_key()
    return ConsentBook(store, AuditLog(store, key=key, masker=PiiMasker(key)), clock=system_clock,
                       registry=ConsentRegistry(store, key=key))


def _lead_ids(address: str, tenant: str) -> list[str]:
    """The stored leads with this phone or email: their own registry ids get the event too."""
    return build_service(get_settings(), tenant=tenant).leads_with_address(normalise_address(address))


def _fail(error: ConsentError) -> typer.Exit:
    Console(stderr=True).print(f"{error.message_ar}\n[{error.code}] {error.message_en}", markup=False,
                               highlight=False)
    return typer.Exit(code=1)


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@consent_app.command("opt-in")
def opt_in(
    address: AddressArg,
    channel: Annotated[Channel, typer.Option("--channel", help="whatsapp, phone, sms (a phone) or email.")],
    source: Annotated[str, typer.Option("--source", help="Where the consent came from: form id, call, message.")],
    basis: Annotated[LawfulBasis, typer.Option("--basis", help="Lawful basis (PDPL).")] = LawfulBasis.consent,
    renewed: Annotated[bool, typer.Option("--renewed", help="The person consented again after an opt-out.")] = False,
    tenant: TenantOpt = DEFAULT_TENANT,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record that the person agreed to be contacted on CHANNEL at ADDRESS."""
    settings = get_settings()
    try:
        change = consent_book(settings).opt_in(tenant, address, channel, source=source, actor=_actor(actor),
                                               basis=basis, lead_ids=_lead_ids(address, tenant), renewed=renewed)
    except ConsentError as error:
        raise _fail(error) from error
    _show_change(change, json_out)


@consent_app.command("opt-out")
def opt_out(
    address: AddressArg,
    channel: Annotated[Channel, typer.Option("--channel", help="One channel, or all (the default).")] = Channel.all,
    source: Annotated[str, typer.Option("--source", help="Where the request came from.")] = "cli",
    tenant: TenantOpt = DEFAULT_TENANT,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record that the person asked not to be contacted (on CHANNEL, or on every channel)."""
    settings = get_settings()
    try:
        change = consent_book(settings).opt_out(tenant, address, channel, source=source, actor=_actor(actor),
                                                lead_ids=_lead_ids(address, tenant))
    except ConsentError as error:
        raise _fail(error) from error
    _show_change(change, json_out)


@consent_app.command("show")
def show(address: AddressArg, tenant: TenantOpt = DEFAULT_TENANT, json_out: JsonOpt = False) -> None:
    """Where ADDRESS stands on each channel, and every consent event behind it."""
    try:
        view = consent_book(get_settings()).view(tenant, address, _lead_ids(address, tenant))
    except ConsentError as error:
        raise _fail(error) from error
    if json_out:
        print_json(view.model_dump(mode="json"))
    else:
        _show_view(view)


def _show_change(change: ConsentChange, json_out: bool) -> None:
    if json_out:
        print_json(change.model_dump(mode="json"))
        return
    verb = "سُجّلت الموافقة" if change.status == "opt_in" else "سُجّل طلب الإيقاف"
    stdout().print(f"{verb} على {_CHANNEL_AR.get(change.channel.value, change.channel.value)} للعنوان"
                   f" \u200e{change.address} (المصدر: {change.source}، الأساس النظامي: {change.lawful_basis.value}،"
                   f" عملاء مرتبطون: {len(change.contact_ids) - 1}، حدث التدقيق: {change.audit_event})",
                   markup=False, highlight=False)
    _show_view(change.view)


def _show_view(view: ConsentView) -> None:
    lines = [f"العنوان: \u200e{view.address} ({'بريد' if view.kind == 'email' else 'هاتف'})"]
    for c in view.channels:
        when = f" · {c.recorded_at:%Y-%m-%d %H:%M}" if c.recorded_at else ""
        lines.append(f"  {_CHANNEL_AR.get(c.channel.value, c.channel.value)}: {_STATUS_AR[c.status]}"
                     f"{f' — {c.source}' if c.source else ''}{when}")
    lines.extend(_history(view.history))
    stdout().print("\n".join(lines), markup=False, highlight=False)


def _history(history: Sequence[ConsentEntry]) -> list[str]:
    if not history:
        return ["  لا توجد أحداث موافقة مسجّلة."]
    return ["  السجل:", *(f"   {e.recorded_at:%Y-%m-%d %H:%M} {e.channel.value} {e.status} ({e.lawful_basis.value})"
                         f" — {e.source}" for e in history)]
