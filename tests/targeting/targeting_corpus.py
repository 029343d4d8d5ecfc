"""A corpus of messy lead files, written by code so every byte is known (and nothing binary is committed).

Each builder returns the path it wrote. Phone numbers are fictional (055 000 xxxx), emails on
example.com / example.sa.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from skills.targeting.textkeys import fold_digits

SUNDAY_10_RIYADH = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)   # Sunday 10:00 in Riyadh
FRIDAY_10_RIYADH = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)   # Friday 10:00 in Riyadh
SUNDAY_22_RIYADH = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Sunday 22:00 in Riyadh

AR_HEADERS = ["اسم الشركة", "الاسم", "المسمى الوظيفي", "الجوال", "البريد الإلكتروني", "المدينة", "المصدر", "ملاحظات"]
EN_HEADERS = ["Company Name", "Contact", "Job Title", "Mobile", "E-mail", "City", "Lead Source", "Notes"]

AR_ROWS = [
    ["شركة النور للتقنية", "أحمد الحربي", "الرئيس التنفيذي", "0550001001", "ahmed@alnoor.example.sa", "الرياض",
     "crm_export", "طرحوا منافسة لتحديث نظام المبيعات"],
    ["مؤسسة الأفق للمقاولات", "خالد العتيبي", "المدير العام", "٠٥٥٠٠٠١٠٠٣", "khalid@alofoq.example.sa", "جدة",
     "referral", "افتتاح فرع جديد في مكة"],
    ["مجموعة الريادة الطبية", "نورة الشهري", "مدير تقنية المعلومات", "۰۵۵۰۰۰۱۰۰۴", "noura@riyada.example.sa",
     "الدمام", "inbound_form", "يوظفون فريقاً جديداً"],
]
EN_ROWS = [
    ["Al Noor Technology Co.", "Ahmed Al-Harbi", "CEO", "+966 55 000 1001", "a.harbi@alnoor.example.sa", "Riyadh",
     "crm_export", "Asked for a proposal"],
    ["Sahm Fintech LLC", "Lama Al Qahtani", "CFO", "00966-55-000-1013", "lama@sahm.example.com", "Ar Riyadh",
     "referral", "Raised a Series A round"],
]


def write_csv(path: Path, headers: list[str], rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1256":  # Windows-1256 has no Arabic-Indic or Persian digits: Excel writes ASCII ones
        text = fold_digits(text)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_json(path: Path, headers: list[str], rows: list[list[str]], *, wrap: bool = False) -> Path:
    items = [dict(zip(headers, row, strict=True)) for row in rows]
    path.write_text(json.dumps({"leads": items} if wrap else items, ensure_ascii=False), encoding="utf-8")
    return path


def broken_csv(path: Path) -> Path:
    """Row 3: too many cells; row 4: no company; row 5: bad phone but good email; row 6: no contact point;
    row 7: blank; row 8: exact repeat of row 2; row 9: too few cells."""
    lines = [
        ",".join(EN_HEADERS),
        "Good Co,Ali Saleh,CEO,0550002001,ali@good.example.com,Riyadh,crm_export,",
        "Extra Co,Sami,CEO,0550002002,sami@extra.example.com,Riyadh,crm_export,notes,EXTRA,MORE",
        ",Nobody,CEO,0550002003,nobody@x.example.com,Riyadh,crm_export,",
        "BadPhone Co,Huda,CFO,12345,huda@badphone.example.com,Jeddah,crm_export,",
        "NoContact Co,Rami,CTO,not-a-number,not-an-email,Jeddah,crm_export,",
        ",,,,,,,",
        "Good Co,Ali Saleh,CEO,0550002001,ali@good.example.com,Riyadh,crm_export,",
        "Short Co,Omar,CEO",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
