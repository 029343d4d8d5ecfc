"""Simple targeting for the autopilot until the Targeting OS lands: read, dedupe, rank, top N.

This is a deliberately small, swappable adapter behind one function, :func:`rank_leads_file`.
The autopilot graph only knows :class:`OutreachTarget`; when ``skills.targeting`` exposes its
ranking API, only this module changes. What it does:

- reads a CSV (UTF-8, with or without BOM) with English or Arabic headers;
- normalises phones to E.164 (+966) and lower-cases emails;
- drops rows with no company or no way to reach anyone, rows marked opt-out, and duplicates
  (same email or same mobile);
- scores each lead by simple, explainable rules and sorts (ties by company name), so the same
  file always gives the same order;
- picks the channel for the draft: email when there is an address, else a WhatsApp *draft*.

Free-text notes are kept on the target for people to read; no rule and no model acts on them.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from tools.errors import GatewayError

OutreachChannel = Literal["email", "whatsapp"]

_HEADERS: dict[str, tuple[str, ...]] = {
    "company_name": ("company", "company_name", "company name", "organisation", "organization", "اسم الشركة",
                     "الشركة", "المنشأة", "اسم المنشأة"),
    "contact_name": ("contact", "contact_name", "contact name", "name", "full name", "الاسم", "اسم جهة الاتصال",
                     "اسم المسؤول"),
    "title": ("title", "job title", "position", "role", "المسمى الوظيفي", "المنصب", "الوظيفة"),
    "phone": ("phone", "mobile", "phone number", "mobile number", "whatsapp", "الجوال", "رقم الجوال", "الهاتف"),
    "email": ("email", "e-mail", "email address", "البريد الإلكتروني", "البريد", "الإيميل"),
    "city": ("city", "المدينة"),
    "sector": ("sector", "industry", "القطاع", "النشاط"),
    "source": ("source", "lead source", "المصدر"),
    "notes": ("notes", "note", "comments", "ملاحظات"),
    "consent": ("consent", "opt-out", "opt out", "الموافقة", "حالة الموافقة"),
    "language": ("language", "preferred language", "اللغة"),
}
_OPT_OUT = re.compile(r"opt[\s_-]?out|unsubscrib|do not contact|dnc|لا يرغب|إلغاء الاشتراك|عدم التواصل", re.IGNORECASE)
_DECISION_MAKER = re.compile(r"\b(ceo|founder|owner|managing director|general manager|head|director|vp|cmo|cto|coo)\b"
                             r"|الرئيس|المؤسس|مؤسس|المالك|مالك|مدير|رئيس", re.IGNORECASE)
_WARM_SOURCES = ("referral", "inbound", "crm", "event", "إحالة", "نموذج", "معرض", "فعالية")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class LeadsFileError(GatewayError):
    code = "leads_file_invalid"


class OutreachTarget(BaseModel):
    """One ranked lead the autopilot drafts for."""

    model_config = ConfigDict(frozen=True)

    lead_id: str = Field(description="Stable id: a digest of tenant and the lead's identity.")
    rank: int = Field(ge=1, description="1 is the best target.")
    score: int = Field(description="Sum of the ranking rules that matched.")
    why_ar: str = Field(description="Why this lead is ranked here, in Arabic.")
    company_name: str
    contact_name: str = ""
    title: str = ""
    phone: str = Field(default="", description="E.164, e.g. +966501234567; empty when unknown.")
    email: str = ""
    city: str = ""
    sector: str = ""
    source: str = ""
    notes: str = Field(default="", description="Free text from the file: shown to people, never acted on.")
    language: Literal["ar", "en"] = "ar"
    channel: OutreachChannel = Field(description="The draft's channel: email when possible, else WhatsApp.")

    @property
    def contact_points(self) -> tuple[str, ...]:
        return tuple(v for v in (self.phone, self.email) if v)


class RankedLeads(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows_read: int = Field(description="Data rows in the file.")
    skipped: int = Field(description="Rows dropped: no company, no contact point, opt-out or duplicate.")
    targets: tuple[OutreachTarget, ...] = Field(description="The top N, best first.")
    all_targets: tuple[OutreachTarget, ...] = Field(description="Every rankable lead, best first.")


def _column_map(headers: list[str]) -> dict[str, str]:
    folded = {h.strip().lower(): h for h in headers if h}
    found: dict[str, str] = {}
    for field, names in _HEADERS.items():
        for name in names:
            if name.lower() in folded:
                found[field] = folded[name.lower()]
                break
    return found


def _phone(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, "SA")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _score(row: dict[str, str]) -> tuple[int, list[str]]:
    score, why = 0, list[str]()
    if row["email"]:
        score, why = score + 30, [*why, "بريد إلكتروني متاح"]
    if row["phone"].startswith("+9665"):
        score, why = score + 15, [*why, "رقم جوال سعودي صالح"]
    if _DECISION_MAKER.search(row["title"]):
        score, why = score + 25, [*why, "صاحب قرار"]
    if any(s in row["source"].lower() for s in _WARM_SOURCES):
        score, why = score + 20, [*why, "مصدر دافئ (إحالة أو تواصل وارد)"]
    if row["city"]:
        score, why = score + 5, [*why, "المدينة معروفة"]
    if row["sector"]:
        score, why = score + 5, [*why, "القطاع معروف"]
    return score, why


def rank_leads_file(path: Path, *, tenant: str, top_n: int) -> RankedLeads:
    """Read, clean, dedupe and rank a leads CSV; the same file always gives the same result."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = _column_map(list(reader.fieldnames or []))
            raw_rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LeadsFileError(f"تعذّرت قراءة ملف العملاء المحتملين: {path.name}",
                             f"Cannot read the leads file {path}: {exc}") from exc
    if "company_name" not in columns:
        raise LeadsFileError("ملف العملاء لا يحتوي على عمود اسم الشركة.", "The leads file has no company column.")
    seen: set[str] = set()
    scored: list[tuple[int, str, OutreachTarget]] = []
    skipped = 0
    for raw in raw_rows:
        row = {field: (raw.get(column) or "").strip() for field, column in columns.items()}
        row = {field: row.get(field, "") for field in _HEADERS}
        row["phone"] = _phone(row["phone"])
        row["email"] = row["email"].lower() if _EMAIL.match(row["email"]) else ""
        keys = {k for k in (row["email"], row["phone"]) if k}
        if not row["company_name"] or not keys or _OPT_OUT.search(row["consent"]) or keys & seen:
            skipped += 1
            continue
        seen |= keys
        score, why = _score(row)
        identity = "|".join((tenant, row["company_name"].lower(), row["email"], row["phone"]))
        lead_id = "lead_" + hashlib.sha256(identity.encode()).hexdigest()[:12]
        language: Literal["ar", "en"] = "en" if row["language"].lower() in ("en", "english", "الإنجليزية") else "ar"
        target = OutreachTarget(
            lead_id=lead_id, rank=1, score=score, why_ar="، ".join(why) or "بيانات أساسية فقط",
            company_name=row["company_name"], contact_name=row["contact_name"], title=row["title"],
            phone=row["phone"], email=row["email"], city=row["city"], sector=row["sector"], source=row["source"],
            notes=row["notes"], language=language, channel="email" if row["email"] else "whatsapp",
        )
        scored.append((score, row["company_name"], target))
    scored.sort(key=lambda item: (-item[0], item[1], item[2].lead_id))
    ranked = tuple(t.model_copy(update={"rank": i}) for i, (_, _, t) in enumerate(scored, start=1))
    return RankedLeads(rows_read=len(raw_rows), skipped=skipped, targets=ranked[:top_n], all_targets=ranked)
