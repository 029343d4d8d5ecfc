"""Recording a deal in the book from what a person typed (CLI) or a flow knows (a partner referral).

A new deal needs a company and a track; a deal that comes from a partner referral takes the company
from the referral, the partner track and the referral id as its source, so the forecast stops listing
that referral as "without a deal". A later revision may leave company and track out: they carry over.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from skills.partners.factory import partners_db_path
from skills.partners.repository import PartnerRepository
from skills.pipeline.book import DealBook, DealInvalid, DealRevision, DealUpdate, pipeline_db_path
from skills.pipeline.stages import ErrorCode, Track, load_stages
from tools.settings import Settings
from tools.store import store_exists

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")


def _refuse(code: ErrorCode, value: str = "") -> DealInvalid:
    text = load_stages().errors[code]
    return DealInvalid(text.ar.format(value=value), text.en.format(value=value), code=f"deal_{code}")


def parse_value(text: str) -> Decimal:
    try:
        value = Decimal(text.translate(_DIGITS).replace(",", "").strip())
    except InvalidOperation as exc:
        raise _refuse("value_invalid", text) from exc
    if not value.is_finite() or value < 0:
        raise _refuse("value_invalid", text)
    return value


def parse_close(text: str) -> date:
    try:
        return date.fromisoformat(text.translate(_DIGITS).strip())
    except ValueError as exc:
        raise _refuse("date_invalid", text) from exc


def record_deal(settings: Settings, tenant: str, *, deal_id: str, stage: str, value: str, close: str, at: datetime,
                by: str, company: str | None = None, track: Track | None = None,
                referral: str | None = None) -> DealRevision:
    source: str | None = None
    if referral is not None:
        found = None
        if store_exists(partners_db_path(settings)):
            repository = PartnerRepository(partners_db_path(settings))
            try:
                found = repository.referral(tenant, referral)
            finally:
                repository.close()
        if found is None:
            raise _refuse("referral_not_found", referral)
        company, track, source = company or found.company_name, track or "partner", found.referral_id
    settings.ensure_data_dir()
    book = DealBook(pipeline_db_path(settings))
    try:
        latest = next((r for r in reversed(book.revisions(tenant)) if r.deal_id == deal_id), None)
        company = company or (latest.company_name if latest else None)
        track = track or (latest.track if latest else None)
        if not company or track is None:
            raise _refuse("details_missing")
        update = DealUpdate(deal_id=deal_id, company_name=company, track=track, stage=stage,
                            value_sar=parse_value(value), expected_close=parse_close(close),
                            source_ref=source or (latest.source_ref if latest else None))
        return book.record(tenant, update, at=at, by=by)
    finally:
        book.close()
