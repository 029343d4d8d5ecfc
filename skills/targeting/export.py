"""Leads back out to a spreadsheet or a CRM: CSV (UTF-8 with a BOM, so Excel reads Arabic) or XLSX.

Every cell is data, never a formula: a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (what Excel, LibreOffice and Google Sheets would evaluate, the "CSV injection"
of OWASP) is prefixed with an apostrophe, and XLSX cells are written as text. A lead file that
went through Dealix can carry ``=HYPERLINK(...)`` from its source; it must not come back alive.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from skills.targeting.views import LeadRow

ExportFormat = Literal["csv", "xlsx"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HEADERS: tuple[tuple[str, str], ...] = (
    ("lead_id", "معرّف العميل"), ("company_name", "الشركة"), ("contact_name", "جهة الاتصال"),
    ("title", "المسمى الوظيفي"), ("city", "المدينة"), ("mobile", "الجوال"), ("other_phone", "هاتف آخر"),
    ("other_phone_kind", "نوع الهاتف الآخر"), ("email", "البريد الإلكتروني"), ("source", "المصدر"),
    ("status", "إمكانية التواصل"), ("email_status", "البريد"), ("phone_status", "الهاتف"),
    ("whatsapp_status", "واتساب"), ("reason", "السبب"), ("consent", "الموافقات"), ("merged_ids", "السجلات المدموجة"),
    ("flags", "تنبيهات"), ("notes", "ملاحظات"),
)


def neutralise(value: object) -> str:
    """The cell as text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def row_values(row: LeadRow) -> list[str]:
    mobile = next((p.value for p in row.contact_points if p.kind == "mobile"), "")
    other = next((p for p in row.contact_points if p.kind not in ("mobile", "email")), None)
    email = next((p.value for p in row.contact_points if p.kind == "email"), "")
    verdicts = {v.channel: v.status for v in row.contactability.channels}
    consent = "؛ ".join(f"{e.channel}:{e.status} ({e.source})" for e in row.consent)
    values: list[object] = [
        row.lead_id, row.company_name, row.contact_name, row.title, row.city, mobile,
        other.value if other else "", other.kind if other else "", email, row.source_raw or row.source_id,
        row.status, verdicts.get("email", ""), verdicts.get("phone", ""), verdicts.get("whatsapp", ""),
        row.contactability.reason_ar, consent, " ".join(row.merged_ids), " ".join(row.flags), " | ".join(row.notes),
    ]
    return [neutralise(v) for v in values]


def export_format(path: Path) -> ExportFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise ValueError(f"unsupported export format: {suffix or '(none)'}")


def write_leads(rows: Iterable[LeadRow], path: Path) -> int:
    """Write ``rows`` to ``path`` (CSV or XLSX by its suffix); returns how many were written."""
    if export_format(path) == "csv":
        return _write_csv(rows, path)
    return _write_xlsx(rows, path)


def _header() -> list[str]:
    return [f"{ar} ({en})" for en, ar in HEADERS]


def _write_csv(rows: Iterable[LeadRow], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(_header())
        for row in rows:
            writer.writerow(row_values(row))
            count += 1
    return count


def _write_xlsx(rows: Iterable[LeadRow], path: Path) -> int:
    from openpyxl import Workbook  # imported here: the CLI and API start without it

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "العملاء المحتملون"
    sheet.sheet_view.rightToLeft = True
    sheet.append(_header())
    count = 0
    for row in rows:
        sheet.append(row_values(row))
        count += 1
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.data_type = "s"  # text, never a formula, whatever the value looks like
    book.save(path)
    return count
