"""One raw row to one normalised :class:`Lead`, or to the reasons it cannot be one.

A field that is wrong but not essential (a bad phone, an unknown city) is a warning: the row is
kept without it. A row with no company name, no way to contact anyone, or a broken shape is an
error: it is rejected, and the report says which row, which field and why, in Arabic and English.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.cities import city_id
from skills.targeting.companies import company_key
from skills.targeting.emails import email_domain, normalize_email
from skills.targeting.models import ConsentMark, FieldName, ImportIssue, IssueCode, Lead
from skills.targeting.phones import parse_phone
from skills.targeting.readers import RawRow
from skills.targeting.records import trusted
from skills.targeting.sources import classify_source
from skills.targeting.textkeys import fold_digits, match_key, skeleton

_CR = re.compile(r"^[1-7]\d{9}$")
# A spreadsheet formula where a name belongs (=HYPERLINK(...), +cmd|..., @SUM(...)): never a name, and it
# would run in the next spreadsheet that opens it; the row is rejected, nothing of it reaches a draft.
_FORMULA = re.compile(r"^\s*[=+\-@]\s*[A-Za-z_][\w.]*\s*[(!|]|^\s*=")
_INT = re.compile(r"^\d{1,7}$")


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which column feeds which field; a field fed by several columns takes the first non-empty."""

    headers: list[str]
    fields: dict[FieldName, list[int]]
    unmapped: list[int]

    def as_report(self) -> dict[str, FieldName | None]:
        by_column: dict[int, FieldName] = {i: f for f, cols in self.fields.items() for i in cols}
        return {(self.headers[i] or f"column_{i + 1}"): by_column.get(i) for i in range(len(self.headers))}


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, FieldName]:
    index: dict[str, FieldName] = {}
    for name, words in load_catalog().headers.fields.items():
        for word in (name, *words):
            index.setdefault(match_key(word), name)
    return index


def map_headers(headers: Sequence[str]) -> HeaderMap:
    fields: dict[FieldName, list[int]] = {}
    unmapped: list[int] = []
    for column, header in enumerate(headers):
        name = _synonyms().get(match_key(header))
        if name is None:
            unmapped.append(column)
        else:
            fields.setdefault(name, []).append(column)
    return HeaderMap(list(headers), fields, unmapped)


@dataclass(frozen=True, slots=True)
class RowResult:
    lead: Lead | None
    issues: list[ImportIssue]


def lead_id_for(tenant: str, company: str, contact: str, phone: str, email: str) -> str:
    """Stable id of one lead's identity, so re-importing the same row finds the same lead."""
    digest = hashlib.sha256("\x1f".join((tenant, company, contact, phone, email)).encode()).hexdigest()
    return f"ld_{digest[:20]}"


class RowNormalizer:
    """Normalises rows of one file; holds the header map and the catalog."""

    def __init__(self, header_map: HeaderMap, *, tenant: str, import_id: str, catalog: Catalog | None = None):
        self._map = header_map
        self._columns = tuple((name, tuple(columns)) for name, columns in header_map.fields.items())
        self._tenant = tenant
        self._import_id = import_id
        self._catalog = catalog or load_catalog()
        self._free = frozenset(self._catalog.companies.free_email_domains)
        consent = self._catalog.headers.consent_values
        self._opt_out = frozenset(match_key(v) for v in consent["opt_out"])
        self._wa_in = frozenset(match_key(v) for v in consent["whatsapp_opt_in"])

    def _values(self, cells: list[str | None]) -> dict[FieldName, str]:
        """Each mapped field's value: its first non-empty column (fields with none are left out)."""
        values: dict[FieldName, str] = {}
        width = len(cells)
        for name, columns in self._columns:
            for column in columns:
                cell = cells[column] if column < width else None
                if cell:
                    values[name] = cell
                    break
        return values

    def _issue(self, row: int, field: FieldName | Literal["row"], code: IssueCode, error: bool,
               **params: object) -> ImportIssue:
        text = self._catalog.message("import", code, **params)
        return ImportIssue(row_number=row, field=field, code=code,
                           severity="error" if error else "warning", reason_ar=text.ar, reason_en=text.en)

    def normalize(self, raw: RawRow) -> RowResult:
        row = raw.row_number
        if raw.not_an_object:
            return RowResult(None, [self._issue(row, "row", "not_an_object", True)])
        if raw.shape_error is not None:
            found, expected = raw.shape_error
            return RowResult(None, [self._issue(row, "row", "row_shape", True, found=found, expected=expected)])
        cells = raw.cells
        issues: list[ImportIssue] = []
        value = self._values(cells).get
        company = value("company_name")
        if not company:
            return RowResult(None, [self._issue(row, "company_name", "missing_company", True)])
        for name in ("company_name", "contact_name", "title"):
            text = value(name)
            if text and _FORMULA.search(text):
                return RowResult(None, [self._issue(row, name, "formula_in_cell", True)])

        phone_raw = value("phone")
        phone = parse_phone(phone_raw)
        if phone_raw and phone is None:
            issues.append(self._issue(row, "phone", "invalid_phone", False, value=phone_raw))
        email_raw = value("email")
        email = normalize_email(email_raw)
        if email_raw and email is None:
            issues.append(self._issue(row, "email", "invalid_email", False, value=email_raw))
        if phone is None and email is None:
            issues.append(self._issue(row, "row", "no_contact_point", True))
            return RowResult(None, issues)

        city_raw = value("city")
        city = city_id(city_raw)
        if city_raw and city is None:
            issues.append(self._issue(row, "city", "unknown_city", False, value=city_raw))
        cr_raw = value("cr_number")
        cr = fold_digits(cr_raw).replace(" ", "") if cr_raw else None
        if cr is not None and not _CR.match(cr):
            issues.append(self._issue(row, "cr_number", "invalid_cr", False, value=cr_raw))
        employees_raw = value("employees")
        employees = None
        if employees_raw:
            digits = fold_digits(employees_raw).replace(",", "").replace("+", "").strip()
            if _INT.match(digits):
                employees = int(digits)
            else:
                issues.append(self._issue(row, "employees", "invalid_employees", False, value=employees_raw))

        contact = value("contact_name")
        key = company_key(company)
        contact_key = match_key(contact) or None
        # Every value is the output of a typed normaliser above (the row's validation, field by field),
        # so the record is built as is rather than validated a second time (skills/targeting/records.py).
        lead = trusted(
            Lead, lead_id=lead_id_for(self._tenant, key, contact_key or "", phone.e164 if phone else "", email or ""),
            tenant=self._tenant, import_id=self._import_id, row_number=row,
            company_name=company, company_key=key,
            contact_name=contact, contact_key=contact_key, contact_skeleton=skeleton(contact) or None,
            title=value("title"), phone=phone, email=email,
            email_domain=email_domain(email, self._free),
            city_raw=city_raw, city_id=city, source=classify_source(value("source")),
            notes=value("notes"), website=value("website"),
            cr_number=cr, employees=employees, sector_raw=value("sector"),
            consent_mark=self._consent(value("consent")),
            extras={self._map.headers[i] or f"column_{i + 1}": cells[i] or ""
                    for i in self._map.unmapped if i < len(cells) and cells[i]},
        )
        return RowResult(lead, issues)

    def _consent(self, value: str | None) -> ConsentMark:
        key = match_key(value)
        if not key:
            return "none"
        if key in self._opt_out or any(len(t) > 4 and t in key for t in self._opt_out):
            return "opt_out"
        if key in self._wa_in or any(len(t) > 4 and t in key for t in self._wa_in):
            return "whatsapp_opt_in"
        return "none"
