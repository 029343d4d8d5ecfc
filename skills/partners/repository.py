"""The Partner OS's store: one SQLite file (``settings.data_dir / "partners.db"``), all SQL here.

Tables, every one keyed by tenant first: partner candidates (as JSON), agreements (the terms a
partner signed, one current row per partner), referrals, deals and commissions. Money is stored
in integer halalas (1 SAR = 100 halalas) so that sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from skills.partners.models import Agreement, Commission, OfferTerms, PartnerCandidate, PartnerDeal, Referral
from tools.store import Database, Row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS partner_candidates (
    tenant      TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    data        TEXT NOT NULL,
    stored_at   TEXT NOT NULL,
    PRIMARY KEY (tenant, partner_id)
);
CREATE TABLE IF NOT EXISTS partner_agreements (
    tenant      TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    terms       TEXT NOT NULL,
    agreed_on   TEXT NOT NULL,
    PRIMARY KEY (tenant, partner_id)
);
CREATE TABLE IF NOT EXISTS partner_referrals (
    tenant        TEXT NOT NULL,
    referral_id   TEXT NOT NULL,
    partner_id    TEXT NOT NULL,
    company_name  TEXT NOT NULL,
    referred_on   TEXT NOT NULL,
    status        TEXT NOT NULL,
    PRIMARY KEY (tenant, referral_id)
);
CREATE INDEX IF NOT EXISTS partner_referrals_partner ON partner_referrals (tenant, partner_id);
CREATE TABLE IF NOT EXISTS partner_deals (
    tenant          TEXT NOT NULL,
    deal_id         TEXT NOT NULL,
    referral_id     TEXT NOT NULL,
    partner_id      TEXT NOT NULL,
    amount_halalas  INTEGER NOT NULL CHECK (amount_halalas > 0),
    collected_on    TEXT NOT NULL,
    PRIMARY KEY (tenant, deal_id)
);
CREATE TABLE IF NOT EXISTS partner_commissions (
    tenant          TEXT NOT NULL,
    commission_id   TEXT NOT NULL,
    deal_id         TEXT NOT NULL,
    partner_id      TEXT NOT NULL,
    model           TEXT NOT NULL,
    rate_pct        REAL NOT NULL,
    amount_halalas  INTEGER NOT NULL CHECK (amount_halalas >= 0),
    due_on          TEXT,
    status          TEXT NOT NULL,
    reason_ar       TEXT NOT NULL,
    paid_on         TEXT,
    PRIMARY KEY (tenant, commission_id)
);
"""


def sar(halalas: int) -> float:
    return round(halalas / 100, 2)


class PartnerRepository:
    def __init__(self, path: Path | str) -> None:
        self._db = Database(path, schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- candidates ------------------------------------------------------------------------
    def replace_candidates(self, tenant: str, candidates: Iterable[PartnerCandidate], at: datetime) -> int:
        rows = [(tenant, c.partner_id, c.model_dump_json(), at.isoformat()) for c in candidates]
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM partner_candidates WHERE tenant = ?", (tenant,))
            conn.executemany("INSERT INTO partner_candidates VALUES (?,?,?,?)", rows)
        return len(rows)

    def candidates(self, tenant: str) -> list[PartnerCandidate]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT data FROM partner_candidates WHERE tenant = ? ORDER BY partner_id",
                                (tenant,)).fetchall()
        return [PartnerCandidate.model_validate_json(r["data"]) for r in rows]

    # -- agreements and referrals ----------------------------------------------------------
    def save_agreement(self, tenant: str, agreement: Agreement) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO partner_agreements VALUES (?,?,?,?)",
                         (tenant, agreement.partner_id, agreement.terms.model_dump_json(),
                          agreement.agreed_on.isoformat()))

    def agreement(self, tenant: str, partner_id: str) -> Agreement | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT * FROM partner_agreements WHERE tenant = ? AND partner_id = ?",
                               (tenant, partner_id)).fetchone()
        if row is None:
            return None
        return Agreement(partner_id=row["partner_id"], terms=OfferTerms.model_validate_json(row["terms"]),
                         agreed_on=date.fromisoformat(row["agreed_on"]))

    def add_referral(self, tenant: str, referral: Referral) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO partner_referrals VALUES (?,?,?,?,?,?)",
                         (tenant, referral.referral_id, referral.partner_id, referral.company_name,
                          referral.referred_on.isoformat(), referral.status))

    def referral(self, tenant: str, referral_id: str) -> Referral | None:
        with self._db.read() as conn:
            row = conn.execute("SELECT * FROM partner_referrals WHERE tenant = ? AND referral_id = ?",
                               (tenant, referral_id)).fetchone()
        return None if row is None else _referral(row)

    def referrals(self, tenant: str) -> list[Referral]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM partner_referrals WHERE tenant = ? ORDER BY referred_on, referral_id",
                                (tenant,)).fetchall()
        return [_referral(r) for r in rows]

    # -- deals and commissions ---------------------------------------------------------------
    def add_deal(self, tenant: str, deal: PartnerDeal, amount_halalas: int, commission: Commission,
                 commission_halalas: int) -> None:
        """The deal, its referral marked won, and its commission: one transaction."""
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO partner_deals VALUES (?,?,?,?,?,?)",
                         (tenant, deal.deal_id, deal.referral_id, deal.partner_id, amount_halalas,
                          deal.collected_on.isoformat()))
            conn.execute("UPDATE partner_referrals SET status = 'won' WHERE tenant = ? AND referral_id = ?",
                         (tenant, deal.referral_id))
            conn.execute("INSERT INTO partner_commissions VALUES (?,?,?,?,?,?,?,?,?,?,NULL)",
                         (tenant, commission.commission_id, commission.deal_id, commission.partner_id,
                          commission.model, commission.rate_pct, commission_halalas,
                          commission.due_on.isoformat() if commission.due_on else None, commission.status,
                          commission.reason_ar))

    def mark_paid(self, tenant: str, commission_id: str, paid_on: date) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE partner_commissions SET status = 'paid', paid_on = ?"
                " WHERE tenant = ? AND commission_id = ? AND status = 'due'",
                (paid_on.isoformat(), tenant, commission_id))
            return cursor.rowcount == 1

    def commissions(self, tenant: str) -> list[Commission]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM partner_commissions WHERE tenant = ? ORDER BY commission_id",
                                (tenant,)).fetchall()
        return [Commission(commission_id=r["commission_id"], deal_id=r["deal_id"], partner_id=r["partner_id"],
                           model=r["model"], rate_pct=r["rate_pct"], amount_sar=sar(r["amount_halalas"]),
                           due_on=date.fromisoformat(r["due_on"]) if r["due_on"] else None, status=r["status"],
                           reason_ar=r["reason_ar"]) for r in rows]

    def totals_by_partner(self, tenant: str) -> list[Row]:
        """Per partner: referrals, open referrals, won referrals, revenue and commissions, in halalas."""
        with self._db.read() as conn:
            return conn.execute(
                """
                SELECT r.partner_id,
                       COUNT(*) AS referrals,
                       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_referrals,
                       SUM(CASE WHEN r.status = 'won' THEN 1 ELSE 0 END) AS won_referrals,
                       COALESCE((SELECT COUNT(*) FROM partner_deals d
                                 WHERE d.tenant = r.tenant AND d.partner_id = r.partner_id), 0) AS deals,
                       COALESCE((SELECT SUM(amount_halalas) FROM partner_deals d
                                 WHERE d.tenant = r.tenant AND d.partner_id = r.partner_id), 0) AS revenue,
                       COALESCE((SELECT SUM(amount_halalas) FROM partner_commissions c
                                 WHERE c.tenant = r.tenant AND c.partner_id = r.partner_id
                                   AND c.status != 'not_eligible'), 0) AS commission,
                       COALESCE((SELECT SUM(amount_halalas) FROM partner_commissions c
                                 WHERE c.tenant = r.tenant AND c.partner_id = r.partner_id
                                   AND c.status = 'due'), 0) AS due,
                       COALESCE((SELECT SUM(amount_halalas) FROM partner_commissions c
                                 WHERE c.tenant = r.tenant AND c.partner_id = r.partner_id
                                   AND c.status = 'paid'), 0) AS paid
                FROM partner_referrals r
                WHERE r.tenant = ?
                GROUP BY r.tenant, r.partner_id
                ORDER BY r.partner_id
                """, (tenant,)).fetchall()


def _referral(row: Row) -> Referral:
    return Referral(referral_id=row["referral_id"], partner_id=row["partner_id"], company_name=row["company_name"],
                    referred_on=date.fromisoformat(row["referred_on"]), status=row["status"])
