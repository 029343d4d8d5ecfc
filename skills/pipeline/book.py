"""The deal book: one SQLite file (``settings.data_dir / "pipeline.db"``), all SQL here, keyed by tenant.

A deal is never edited in place: each change (a new stage, value or expected close date) is a new
revision with the moment it was recorded and who recorded it. The forecast reads the book as it
stood at any moment (what was expected when a week began), so a deal that slipped out of a week is
still known to have been expected in it. Money is kept in integer halalas (1 SAR = 100 halalas).

The SQL is portable (``?`` placeholders, no SQLite-only upserts) so the book can follow the store to
PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skills.pipeline.stages import Track, load_stages
from tools.errors import GatewayError
from tools.settings import Settings
from tools.store import Conn, Database, Row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deal_revisions (
    tenant          TEXT NOT NULL,
    deal_id         TEXT NOT NULL,
    rev             INTEGER NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    company_name    TEXT NOT NULL,
    track           TEXT NOT NULL,
    stage           TEXT NOT NULL,
    value_halalas   INTEGER NOT NULL CHECK (value_halalas >= 0),
    expected_close  TEXT NOT NULL,
    source_ref      TEXT,
    PRIMARY KEY (tenant, deal_id, rev)
);
"""
_MAX_SAR = Decimal("1000000000")


class DealInvalid(GatewayError):
    code = "deal_invalid"


class DealUpdate(BaseModel):
    """What a person (or a flow) says about a deal now. Structured fields only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deal_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
    company_name: str = Field(min_length=1, max_length=200)
    track: Track
    stage: str = Field(min_length=1, max_length=40, description="A stage of the track, or won / lost.")
    value_sar: Decimal = Field(ge=0, le=_MAX_SAR, description="Expected contract value, SAR excluding VAT.")
    expected_close: date = Field(description="The Riyadh day the deal is expected to close (or closed).")
    source_ref: str | None = Field(default=None, max_length=120,
                                   description="Where the deal came from: a referral id, a thread id.")


class DealRevision(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    deal_id: str
    rev: int = Field(ge=1)
    recorded_at: datetime
    recorded_by: str
    company_name: str
    track: Track
    stage: str
    value_halalas: int = Field(ge=0)
    expected_close: date
    source_ref: str | None = None

    @property
    def value_sar(self) -> float:
        return self.value_halalas / 100

    @property
    def status(self) -> str:
        return self.stage if self.stage in ("won", "lost") else "open"

    def same_facts(self, update: DealUpdate) -> bool:
        return (self.company_name, self.track, self.stage, self.value_halalas, self.expected_close,
                self.source_ref) == (update.company_name, update.track, update.stage, to_halalas(update.value_sar),
                                     update.expected_close, update.source_ref)


def to_halalas(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def pipeline_db_path(settings: Settings) -> Path:
    return settings.data_dir / "pipeline.db"


class DealBook:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def record(self, tenant: str, update: DealUpdate, *, at: datetime, by: str) -> DealRevision:
        """Append a revision (a no-op returning the latest one when nothing changed)."""
        stages = load_stages()
        if not stages.knows(update.track, update.stage):
            names = ", ".join([*stages.tracks[update.track].stages, *stages.closed])
            text = stages.errors["unknown_stage"]
            raise DealInvalid(text.ar.format(stage=update.stage, track=stages.tracks[update.track].name_ar,
                                             stages=names),
                              text.en.format(stage=update.stage, track=update.track, stages=names))
        with self._db.transaction() as conn:
            latest = _latest(conn, tenant, update.deal_id)
            if latest is not None and latest.same_facts(update):
                return latest
            revision = DealRevision(
                tenant=tenant, deal_id=update.deal_id, rev=(latest.rev + 1) if latest else 1, recorded_at=at,
                recorded_by=by, company_name=update.company_name, track=update.track, stage=update.stage,
                value_halalas=to_halalas(update.value_sar), expected_close=update.expected_close,
                source_ref=update.source_ref)
            conn.execute(
                "INSERT INTO deal_revisions (tenant, deal_id, rev, recorded_at, recorded_by, company_name, track,"
                " stage, value_halalas, expected_close, source_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (tenant, revision.deal_id, revision.rev, at.isoformat(), by, revision.company_name, revision.track,
                 revision.stage, revision.value_halalas, revision.expected_close.isoformat(), revision.source_ref))
        return revision

    def revisions(self, tenant: str) -> list[DealRevision]:
        """Every revision of the tenant's deals, by deal then revision."""
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM deal_revisions WHERE tenant = ? ORDER BY deal_id, rev",
                                (tenant,)).fetchall()
        return [_revision(r) for r in rows]


def _latest(conn: Conn, tenant: str, deal_id: str) -> DealRevision | None:
    row = conn.execute("SELECT * FROM deal_revisions WHERE tenant = ? AND deal_id = ? ORDER BY rev DESC LIMIT 1",
                       (tenant, deal_id)).fetchone()
    return None if row is None else _revision(row)


def _revision(row: Row) -> DealRevision:
    return DealRevision(tenant=row["tenant"], deal_id=row["deal_id"], rev=row["rev"],
                        recorded_at=datetime.fromisoformat(row["recorded_at"]), recorded_by=row["recorded_by"],
                        company_name=row["company_name"], track=row["track"], stage=row["stage"],
                        value_halalas=row["value_halalas"], expected_close=date.fromisoformat(row["expected_close"]),
                        source_ref=row["source_ref"])
