"""Reading partner candidates from a file (CSV, JSON or YAML) into typed :class:`PartnerCandidate`s.

CSV columns (English ids; lists separated by ``;``, ``|`` or the Arabic comma)::

    partner_id, name, type, city, client_sectors, services, clients_count, audience_size,
    years_active, references_count, cr_verified, relationship, competitor, contact_name,
    email, phone, whatsapp_opt_in, language, notes

``type`` may be the id (``marketing_agency``) or its Arabic name; ``city`` any spelling the
targeting catalogue knows, or ``national`` / ``online``. A row that does not validate makes the
whole file fail with the row number (a partner list is short and hand-kept; silently dropping a
partner would be worse than asking for a fix).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from skills.partners.catalog import load_catalog
from skills.partners.errors import CandidatesFileError
from skills.partners.models import PartnerCandidate, PartnerType
from skills.targeting.cities import city_id

_LIST_SPLIT = re.compile(r"[;|،]")
_TRUE = frozenset({"1", "true", "yes", "y", "نعم", "موثق", "موافق"})
_PLACES = frozenset({"national", "online"})
_INT_FIELDS = ("clients_count", "audience_size", "years_active", "references_count")


def read_candidates(path: Path) -> list[PartnerCandidate]:
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CandidatesFileError(type(exc).__name__) from exc
    if suffix == ".csv":
        text = raw.decode("utf-8-sig")
        rows: list[Any] = list(csv.DictReader(io.StringIO(text)))
    elif suffix == ".json":
        rows = json.loads(raw.decode("utf-8-sig"))
    elif suffix in {".yaml", ".yml"}:
        rows = yaml.safe_load(raw) or []
    else:
        raise CandidatesFileError(f"unsupported format {suffix or '-'} (csv, json, yaml)")
    if isinstance(rows, dict) and "partners" in rows:
        rows = rows["partners"]
    if not isinstance(rows, list):
        raise CandidatesFileError("expected a list of partners")
    return parse_candidates(rows)


def parse_candidates(rows: list[Any]) -> list[PartnerCandidate]:
    candidates: list[PartnerCandidate] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise CandidatesFileError(f"row {number}: not a record")
        try:
            candidate = PartnerCandidate.model_validate(_clean(row))
        except (ValidationError, ValueError) as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}) \
                if isinstance(exc, ValidationError) else [str(exc)]
            raise CandidatesFileError(f"row {number}: invalid {', '.join(fields)}") from None
        if candidate.partner_id in seen:
            raise CandidatesFileError(f"row {number}: duplicate partner_id {candidate.partner_id}")
        seen.add(candidate.partner_id)
        candidates.append(candidate)
    return candidates


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    data = {str(k).strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k is not None}
    data = {k: v for k, v in data.items() if v not in ("", None)}
    if "competitor" in data:
        data["declared_competitor"] = data.pop("competitor")
    data["type"] = _partner_type(str(data.get("type", "")))
    if "city" in data:
        data["city"] = _place(str(data["city"]))
    for key in ("client_sectors", "services"):
        value = data.get(key)
        if isinstance(value, str):
            data[key] = tuple(s.strip() for s in _LIST_SPLIT.split(value) if s.strip())
    for key in _INT_FIELDS:
        if isinstance(data.get(key), str):
            data[key] = int(str(data[key]).replace(",", ""))
    for key in ("cr_verified", "whatsapp_opt_in", "declared_competitor"):
        if isinstance(data.get(key), str):
            data[key] = str(data[key]).lower() in _TRUE
    return data


def _partner_type(raw: str) -> str:
    if raw in PartnerType.__members__:
        return raw
    for partner_type, profile in load_catalog().scorecard.types.items():
        if raw in (profile.name_ar, profile.name_en):
            return partner_type.value
    raise ValueError(f"unknown partner type {raw!r}")


def _place(raw: str) -> str | None:
    if raw.lower() in _PLACES:
        return raw.lower()
    return city_id(raw) or raw
