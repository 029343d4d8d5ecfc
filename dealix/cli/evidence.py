"""``dealix evidence``: export an evidence pack (zip + signed SHA-256 manifest), and verify one."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from dealix.cli.output import fail, print_json, stdout
from dealix.cli.proof import DemoOpt, FromOpt, TenantOpt, ToOpt, parse_day
from dealix.settings import Settings, get_settings
from dealix.wiring import build_gateway
from skills.proof.demo import DEMO_KEY, demo_ledger
from skills.proof.errors import EvidenceError, ProofError
from skills.proof.evidence import EvidenceScope, Manifest, export_evidence, write_evidence
from skills.proof.evidence_verify import verify_evidence
from skills.proof.factory import DEFAULT_TENANT
from skills.proof.period import Period, period_from
from tools.saudi_time import system_clock

evidence_app = typer.Typer(help="Evidence packs: audit events, work units and ledger entries you can verify.",
                           no_args_is_help=True)


def deployment_key(settings: Settings) -> bytes | None:
    """The key that signs this deployment's audit head and manifests, if one exists (never created here)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret.key"
    return path.read_text().strip().encode() if path.is_file() else None


def _scope(tenant: str, contact: str | None, deal: str | None, start: str | None, end: str | None) -> EvidenceScope:
    if contact and deal:
        raise EvidenceError("اختاروا نطاقاً واحداً: جهة اتصال (--contact) أو صفقة (--deal)، لا الاثنين معاً.",
                            "Choose one scope: --contact or --deal, not both.", code="scope_invalid")
    period: Period | None = None
    if start or end or not (contact or deal):
        period = period_from(parse_day(start, "--from"), parse_day(end, "--to"), system_clock())
    return EvidenceScope(tenant=tenant, contact_id=contact, deal_id=deal, period=period)


@evidence_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="The zip file to write.")],
    contact: Annotated[str | None, typer.Option("--contact", help="Everything about one contact (customer).")]
    = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Everything about one deal (thread or deal id).")] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    tenant: TenantOpt = DEFAULT_TENANT,
    demo: DemoOpt = False,
) -> None:
    """Export the audit events, work units and ledger entries in scope (default: the last seven days)."""
    try:
        if demo:
            with demo_ledger() as ledger:
                scope = _scope(ledger.tenant, contact, deal, start, end)
                if scope.period is not None and not (start or end):
                    scope = scope.model_copy(update={"period": ledger.period})
                data, manifest = export_evidence(ledger.gateway, scope, key=DEMO_KEY, now=ledger.clock(),
                                                 settings=get_settings())
        else:
            settings = get_settings()
            scope = _scope(tenant, contact, deal, start, end)
            gateway = build_gateway(settings)
            try:
                data, manifest = export_evidence(gateway, scope, key=settings.signing_key(), now=system_clock(),
                                                 settings=settings)
            finally:
                gateway.store.close()
    except ProofError as error:
        raise fail(error) from error
    write_evidence(data, out)
    _show_export(out, data, manifest)


def _show_export(out: Path, data: bytes, manifest: Manifest) -> None:
    console = stdout()
    counts = manifest.counts
    console.print(f"حُفظت حزمة الأدلة في {out}", markup=False, highlight=False)
    console.print(f"أحداث التدقيق: {counts['audit_events']} · وحدات العمل: {counts['revenue_work_units']}"
                  f" · قيود التنفيذ: {counts['ledger_entries']} · الموافقات: {counts['approvals']}", markup=False)
    chain = "سليم" if manifest.chain.ok else f"غير سليم ({manifest.chain.problem})"
    console.print(f"سجل التدقيق عند التصدير: {chain} · audit chain ok: {manifest.chain.ok}", markup=False)
    console.print(f"sha256: {hashlib.sha256(data).hexdigest()}", markup=False, highlight=False)


@evidence_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The evidence pack (zip) to check.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="A pack exported with --demo (the demo key).")] = False,
) -> None:
    """Check every file against the signed manifest. Exit 0 when intact, 1 on any change."""
    if not file.is_file():
        raise fail(EvidenceError(f"لا يوجد ملف في {file}.", f"No file at {file}.", code="file_not_found"), code=2)
    key = DEMO_KEY if demo else deployment_key(get_settings())
    if key is None:
        raise fail(EvidenceError("لا يوجد مفتاح هذه المنشأة للتحقق من توقيع البيان؛ شغّلوا الأمر على الخادم الذي صدّر"
                                 " الحزمة أو اضبطوا DEALIX_SECRET_KEY.",
                                 "No deployment key to check the manifest signature: run where the pack was "
                                 "exported, or set DEALIX_SECRET_KEY.", code="key_missing"), code=2)
    report = verify_evidence(file, key=key)
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        console = stdout()
        console.print(f"{report.summary_ar}\n{report.summary_en}", markup=False, highlight=False, soft_wrap=True)
        for finding in report.findings:
            console.print(f"✗ {finding.message_ar}\n  [{finding.code}] {finding.message_en}", markup=False,
                          highlight=False, soft_wrap=True)
    raise typer.Exit(code=0 if report.ok else 1)
