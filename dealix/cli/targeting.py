"""``dealix targeting``: import a leads file, list and export the leads, undo a merge, rank the targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dealix.cli.output import print_json, stdout
from dealix.settings import get_settings
from skills.targeting.catalog import load_catalog
from skills.targeting.errors import TargetingError
from skills.targeting.export import export_format, write_leads
from skills.targeting.factory import DEFAULT_TENANT, build_service, demo_service
from skills.targeting.models import ContactStatus, ImportReport
from skills.targeting.service import RankResult
from skills.targeting.views import LeadPage

targeting_app = typer.Typer(
    help="Targeting OS: import leads safely, dedupe, check contactability and rank targets.",
    no_args_is_help=True,
)

_PROGRESS_FROM_BYTES = 512 * 1024
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant whose leads to use.")]


def _fail(error: TargetingError) -> typer.Exit:
    Console(stderr=True).print(f"{error.message_ar}\n[{error.code}] {error.message_en}", markup=False,
                               highlight=False)
    return typer.Exit(code=1)


@targeting_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, XLSX or JSON.")],
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Import a leads file: imported rows, merged duplicates, rejected rows and contactability."""
    service = build_service(get_settings(), tenant=tenant)
    try:
        if file.stat().st_size >= _PROGRESS_FROM_BYTES and not json_out:
            with Progress(TextColumn("[bold]استيراد[/bold] {task.description}"), BarColumn(), DownloadColumn(),
                          TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(file.name, total=file.stat().st_size)
                report = service.import_file(file, progress=lambda done, total: bar.update(task, completed=done,
                                                                                            total=total))
        else:
            report = service.import_file(file)
    except TargetingError as error:
        raise _fail(error) from error
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        _show_report(report)


def _show_report(report: ImportReport) -> None:
    console = stdout()
    summary = Table(title=f"تقرير الاستيراد — {report.file_name}", show_header=False)
    for label, value in (
        ("الصيغة / الترميز", f"{report.file_format} / {report.encoding or '-'}"),
        ("الأسطر المقروءة", report.rows_read),
        ("عملاء جدد مستوردون", report.imported),
        ("موجودون من قبل (إعادة استيراد)", report.already_present),
        ("مكررات داخل الملف", report.duplicates_in_file),
        ("أسطر مرفوضة", report.rejected),
        ("أسطر فارغة", report.blank_rows),
        ("سجلات مدموجة", len(report.merges)),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    if report.merges:
        merges = Table(title="المكررات المدموجة")
        for column in ("المُبقى", "المدموج", "القاعدة", "الدرجة", "الدليل"):
            merges.add_column(column)
        for m in report.merges:
            merges.add_row(m.kept_id, m.merged_id, m.rule, f"{m.score:.0f}", m.evidence_ar)
        console.print(merges)
    if report.issues:
        issues = Table(title="ملاحظات الأسطر")
        for column in ("السطر", "الحقل", "النوع", "السبب"):
            issues.add_column(column)
        for i in report.issues:
            issues.add_row(str(i.row_number), i.field, "مرفوض" if i.severity == "error" else "تنبيه", i.reason_ar)
        console.print(issues)
    counts = Table(title="إمكانية التواصل")
    counts.add_column("الحالة")
    counts.add_column("العدد", justify="right")
    catalog = load_catalog()
    for status, count in report.contactability.items():
        counts.add_row(catalog.name_ar("status", status), str(count))
    console.print(counts)


@targeting_app.command("rank")
def rank(
    top: Annotated[int, typer.Option("--top", min=1, help="How many targets to show.")] = 10,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Ranked targets with score breakdowns, channel and why-now (the sample leads if none imported)."""
    service = build_service(get_settings(), tenant=tenant)
    if service.repository.count_leads(tenant) == 0:
        service = demo_service()
    result = service.rank(top=top)
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        _show_ranking(result)


def _show_ranking(result: RankResult) -> None:
    console = stdout()
    catalog = load_catalog()
    console.print(f"[bold]ترتيب الفرص[/bold] ({len(result.targets)} من {result.total_leads})")
    for i, t in enumerate(result.targets, start=1):
        s = t.score
        channel = catalog.name_ar("channel", t.channel.channel) if t.channel.channel else "-"
        console.print(f"[bold]{i}. {escape(t.company_name)}[/bold] — {escape(t.contact_name or '-')}"
                      f" ({escape(t.title or '-')})", highlight=False)
        console.print(
            f"   الدرجة {s.total:.1f}: ملاءمة {s.fit:.0f} · توقيت {s.why_now:.0f} · تواصل {s.contactability:.0f}"
            f" · علاقة {s.relationship:.0f}\n"
            f"   القناة: {channel} — {t.channel.reason_ar}\n"
            f"   لماذا الآن: {'؛ '.join(f'{sig.name_ar} («{sig.evidence}»)' for sig in t.signals) or '-'}\n"
            f"   المخاطرة: {catalog.name_ar('risk', t.risk.level)} — {' '.join(t.risk.reasons_ar)}",
            markup=False, highlight=False,
        )


@targeting_app.command("leads")
def leads(
    json_out: JsonOpt = False,
    status: Annotated[ContactStatus | None, typer.Option("--status", help="safe, needs_review, blocked or unknown.")
                      ] = None,
    export: Annotated[Path | None, typer.Option("--export", dir_okay=False,
                                                help="Write the leads to FILE.csv (UTF-8 with BOM) or FILE.xlsx.")
                      ] = None,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """The imported leads: contact points, contactability per channel, consent, touches, merges and notes."""
    service = build_service(get_settings(), tenant=tenant)
    if export is not None:
        try:
            export_format(export)
        except ValueError:
            Console(stderr=True).print("صيغة التصدير غير مدعومة: استخدم ملفاً ينتهي بـ ‎.csv أو ‎.xlsx\n"
                                       "[unsupported_export] Use a .csv or .xlsx file.", markup=False)
            raise typer.Exit(code=1) from None
    page = service.lead_page(status=status)
    if export is not None:
        written = write_leads(page.leads, export)
        Console(stderr=True).print(f"صُدّر {written} عميلاً محتملاً إلى {export}", markup=False, highlight=False)
    if json_out:
        print_json(page.model_dump(mode="json"))
    elif export is None:
        _show_leads(page)


def _show_leads(page: LeadPage) -> None:
    console = stdout()
    catalog = load_catalog()
    console.print(f"[bold]العملاء المحتملون[/bold] ({len(page.leads)} من {page.total})")
    for row in page.leads:
        console.print(f"[bold]{escape(row.company_name)}[/bold] — {escape(row.contact_name or '-')}"
                      f" ({escape(row.title or '-')}) · {row.lead_id}", highlight=False)
        points = " · ".join(f"{catalog.name_ar('phone_kind', p.kind) if p.kind != 'email' else 'بريد'}"
                            f" \u200e{p.value}" for p in row.contact_points)
        lines = [f"   وسائل التواصل: {points or '-'}",
                 f"   المصدر: {row.source_raw or row.source_id} · الحالة: {catalog.name_ar('status', row.status)}"]
        for v in row.contactability.channels:
            lines.append(f"   {catalog.name_ar('channel', v.channel)}: {catalog.name_ar('status', v.status)}"
                         f" — {v.reason_ar}")
        for e in row.consent:
            lines.append(f"   موافقة: {e.channel} {e.status} ({e.lawful_basis}) — {e.source}"
                         f" · {e.recorded_at:%Y-%m-%d %H:%M}")
        for t in row.touches:
            lines.append(f"   تواصل سابق: {t.channel} · {t.at:%Y-%m-%d %H:%M}{' (رد)' if t.replied else ''}")
        for m in row.merges:
            state = "أُلغي" if m.undone_at else "قائم"
            lines.append(f"   دمج {m.merge_id} ({state}): {m.merged_id} ← {m.evidence_ar}")
        if row.flags:
            lines.append(f"   تنبيهات: {', '.join(row.flags)}")
        for note in row.notes:
            lines.append(f"   ملاحظات (كما كُتبت): {note}")
        console.print("\n".join(lines), markup=False, highlight=False)


@targeting_app.command("unmerge")
def unmerge(
    merge_id: Annotated[str, typer.Argument(help="The merge id shown in the lead list (mg_…).")],
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Undo one merge: both leads are separate again, and the pair is never merged again."""
    try:
        record = build_service(get_settings(), tenant=tenant).unmerge(merge_id)
    except TargetingError as error:
        raise _fail(error) from error
    if json_out:
        print_json(record.model_dump(mode="json"))
    else:
        stdout().print(f"أُلغي الدمج {record.merge_id}: {record.merged_id} منفصل عن {record.kept_id} من جديد.",
                       markup=False)
