"""A corpus of hostile lead files, written at test time into a temp dir (nothing large is committed)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

from openpyxl import Workbook

HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes"]
RLO = "\u202e"  # right-to-left override: "gpj.exe" shows as "exe.jpg"
FORMULAS = ['=HYPERLINK("http://evil.example/x","انقر هنا")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "\t=1+1", "＝1+1"]
MARKUP = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "javascript:alert(3)",
          "{{7*7}}", "'; DROP TABLE leads; --"]
LONG_ARABIC = "شركة الرياض للتقنية والحلول الرقمية " * 3000  # ~110,000 characters


def hostile_rows() -> list[list[str]]:
    """Every text field carries formulas, markup, RTL overrides and very long Arabic."""
    rows = []
    for i, formula in enumerate(FORMULAS):
        markup = MARKUP[i % len(MARKUP)]
        rows.append([f"{formula} {markup}", f"{RLO}ةراس {markup}", formula, f"05{50000000 + i * 7919:08d}",
                     f"c{i}@hostile{i}.example.sa", markup, formula, "referral", f"{LONG_ARABIC}{markup}"])
    rows.append([LONG_ARABIC, LONG_ARABIC, LONG_ARABIC, "0550009999", "long@arabic.example.sa", LONG_ARABIC,
                 LONG_ARABIC, "referral", LONG_ARABIC])
    return rows


def hostile_csv(path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(hostile_rows())
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def null_bytes_csv(path: Path) -> Path:
    row = "شركة\x00النور,أحمد\x00,مدير,0550001001,a@alnoor.example.sa,الرياض,,referral,\x00\r\n"
    text = ",".join(HEADERS) + "\r\n" + row
    path.write_bytes(text.encode("utf-8"))
    return path


def oversized_csv(path: Path, megabytes: int = 21) -> Path:
    row = "شركة,أحمد,مدير,0550001001,a@b.example.sa,الرياض,,referral," + "x" * 900 + "\r\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADERS) + "\r\n")
        written = 0
        while written < megabytes * 1024 * 1024:
            handle.write(row)
            written += len(row.encode("utf-8"))
    return path


def xlsx_bomb(path: Path, expanded_mb: int = 260) -> Path:
    """A real workbook whose sheet expands to hundreds of MB (whitespace inside sheetData): ~250 KB on disk."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS)
    honest = io.BytesIO()
    workbook.save(honest)
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item))
                continue
            with bomb.open(item.filename, "w", force_zip64=True) as out:
                out.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                          b'spreadsheetml/2006/main"><sheetData>')
                chunk = b" " * (1 << 20)
                for _ in range(expanded_mb):
                    out.write(chunk)
                out.write(b"</sheetData></worksheet>")
    return path


def fake_xlsx(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04" + random.Random(7).randbytes(4096))
    return path


def binary_csv(path: Path) -> Path:
    path.write_bytes(random.Random(11).randbytes(64 * 1024))
    return path


def utf16_csv(path: Path, encoding: str) -> Path:
    text = ",".join(HEADERS) + "\r\nشركة النور,أحمد,مدير,0550001001,a@alnoor.example.sa,الرياض,,referral,\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def broken_json(path: Path) -> Path:
    path.write_text(json.dumps([{"company_name": "شركة النور"}])[:-3], encoding="utf-8")
    return path
