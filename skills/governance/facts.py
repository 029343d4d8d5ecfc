"""The facts the contradiction engine compares, read from the system for one tenant.

Everything is read, nothing is written: the gateway store (approvals, side-effect ledger, consent,
audit log, cards), the partner book, the invoice drafts in the outbox, and the forecast of the deal
book against the proof ledger for the last closed periods (``forecast.py``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from skills.cards.service import CardService
from skills.governance.auditlog import tenant_events
from skills.governance.catalog import load_forecast
from skills.governance.forecast import ForecastService
from skills.partners.factory import build_service as partner_service
from skills.partners.factory import partners_db_path
from skills.partners.service import PartnerService
from tools.connectors.zatca import decode_zatca_tlv
from tools.errors import GatewayError
from tools.gateway import Gateway
from tools.ledger import result_of
from tools.models import Channel
from tools.saudi_time import Clock, system_clock
from tools.settings import Settings
from tools.store import store_exists

log = logging.getLogger("dealix.governance")
ZATCA_TAGS = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True)
class ContactAction:
    contact_id: str
    channel: str
    action: str
    state: Literal["pending", "executed"]
    ref: str
    at: datetime


@dataclass(frozen=True)
class OptOut:
    contact_id: str
    channel: str
    at: datetime | None


@dataclass(frozen=True)
class CardRec:
    card_id: str
    title_ar: str
    action: str | None
    action_mode: str


@dataclass(frozen=True)
class ThreadRec:
    contact_id: str
    thread_id: str
    approval_id: str


@dataclass(frozen=True)
class WonDeal:
    ref: str
    company_name: str


@dataclass(frozen=True)
class InvoiceRec:
    ref: str
    buyer_name: str
    zatca_ok: bool


@dataclass(frozen=True)
class PartnerRec:
    partner_id: str
    name: str
    engaged: bool
    competitor_reason_ar: str | None


@dataclass(frozen=True)
class ForecastRec:
    period: str
    forecast_sar: float
    actual_sar: float
    label: str = ""


@dataclass(frozen=True)
class OutOfScope:
    skill: str
    action: str
    count: int
    first_event: str


@dataclass
class Snapshot:
    contact_actions: list[ContactAction] = field(default_factory=list)
    opt_outs: list[OptOut] = field(default_factory=list)
    cards: list[CardRec] = field(default_factory=list)
    threads: list[ThreadRec] = field(default_factory=list)
    won_deals: list[WonDeal] = field(default_factory=list)
    invoices: list[InvoiceRec] = field(default_factory=list)
    partners: list[PartnerRec] = field(default_factory=list)
    forecasts: list[ForecastRec] = field(default_factory=list)
    out_of_scope: list[OutOfScope] = field(default_factory=list)


def collect(tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock = system_clock) -> Snapshot:
    snap = Snapshot()
    policy = gateway.policy
    for approval in gateway.pending_approvals(tenant):
        rule = policy.rule(approval.action_request.action)
        channel = rule.channel or rule.requires_consent_channel
        if approval.contact_id:
            snap.threads.append(ThreadRec(approval.contact_id, approval.thread_id, approval.approval_id))
            if channel is not None:
                snap.contact_actions.append(ContactAction(approval.contact_id, channel.value,
                                                          approval.action_request.action, "pending",
                                                          approval.approval_id, approval.requested_at))
    with gateway.store.read() as conn:
        rows = conn.execute(
            "SELECT ledger_id, action, contact_id, channel, started_at FROM side_effects WHERE tenant = ?"
            " AND status = 'done' AND contact_id IS NOT NULL ORDER BY started_at",
            (tenant,)).fetchall()
    for row in rows:
        rule = policy.rule(row["action"])
        fallback = rule.channel or rule.requires_consent_channel
        channel_name: str | None = row["channel"] or (fallback.value if fallback is not None else None)
        if channel_name is not None:
            snap.contact_actions.append(ContactAction(row["contact_id"], channel_name, row["action"], "executed",
                                                      row["ledger_id"], datetime.fromisoformat(row["started_at"])))
    snap.opt_outs = _opt_outs(gateway, tenant, snap.contact_actions)
    snap.invoices = collect_invoices(gateway, tenant)
    snap.cards = [CardRec(c.card_id, c.title_ar, c.context.action, c.action_mode.value)
                  for c in CardService(tenant, gateway=gateway).store.cards(tenant)]
    _partners(snap, tenant, gateway=gateway, settings=settings)
    snap.out_of_scope = out_of_scope_attempts(gateway, tenant)
    snap.forecasts = closed_forecasts(tenant, gateway=gateway, settings=settings, clock=clock)
    return snap


def closed_forecasts(tenant: str, *, gateway: Gateway, settings: Settings, clock: Clock) -> list[ForecastRec]:
    """The forecast and the ledger's actual of the last closed weeks and months (``contradiction_periods``)."""
    service = ForecastService(tenant, gateway=gateway, settings=settings, clock=clock)
    return [ForecastRec(p.key, p.forecast_sar, p.actual_sar, p.label_ar)
            for granularity, count in load_forecast().contradiction_periods.items()
            for p in service.closed(granularity, count)]


def _opt_outs(gateway: Gateway, tenant: str, actions: list[ContactAction]) -> list[OptOut]:
    found: list[OptOut] = []
    for contact, channel in sorted({(a.contact_id, a.channel) for a in actions}):
        try:
            state = gateway.consent.state(tenant, contact, Channel(channel))
        except ValueError:
            continue
        if state.opted_out:
            found.append(OptOut(contact, channel, state.recorded_at))
    return found


def collect_invoices(gateway: Gateway, tenant: str) -> list[InvoiceRec]:
    """The tenant's invoice drafts as written to the outbox (buyer, and whether the ZATCA QR is complete)."""
    with gateway.store.read() as conn:
        rows = conn.execute(
            "SELECT ledger_id, result FROM side_effects WHERE tenant = ? AND action = 'moyasar.invoice_draft'"
            " AND status = 'done' ORDER BY started_at", (tenant,)).fetchall()
    return [inv for inv in (_invoice(r["ledger_id"], result_of(r)) for r in rows) if inv]


def _invoice(ledger_id: str, result: dict[str, object]) -> InvoiceRec | None:
    path = result.get("outbox_path")
    if not isinstance(path, str) or not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        buyer = str(data["buyer"]["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return InvoiceRec(ledger_id, buyer, zatca_complete(data.get("zatca_qr")))


def zatca_complete(qr: object) -> bool:
    """The QR decodes and carries all five phase-1 fields, each non-empty."""
    if not isinstance(qr, str):
        return False
    try:
        fields = decode_zatca_tlv(qr)
    except GatewayError:
        return False
    return set(fields) >= ZATCA_TAGS and all(fields[t] for t in ZATCA_TAGS)


def _partners(snap: Snapshot, tenant: str, *, gateway: Gateway, settings: Settings) -> None:
    if not store_exists(partners_db_path(settings)):
        return
    service = partner_service(settings, tenant=tenant, gateway=gateway)
    try:
        _partner_facts(snap, tenant, service)
    finally:
        service.repository.close()


def _partner_facts(snap: Snapshot, tenant: str, service: PartnerService) -> None:
    referrals = service.repository.referrals(tenant)
    snap.won_deals = [WonDeal(r.referral_id, r.company_name) for r in referrals if r.status == "won"]
    referred = {r.partner_id for r in referrals}
    for candidate in service.candidates():
        engaged = candidate.partner_id in referred or \
            service.repository.agreement(tenant, candidate.partner_id) is not None
        if not engaged:
            continue
        try:
            flag = service.score(candidate).competitor
        except (GatewayError, ValidationError, KeyError) as exc:  # a profile the scorecard cannot read
            log.warning("governance: partner %s not scored (%s)", candidate.partner_id, type(exc).__name__)
            continue
        snap.partners.append(PartnerRec(candidate.partner_id, candidate.name, engaged,
                                        flag.reason_ar if flag.flagged else None))


def out_of_scope_attempts(gateway: Gateway, tenant: str) -> list[OutOfScope]:
    """Attempts the gateway refused because the skill does not declare the action (reason skill_not_allowed)."""
    seen: dict[tuple[str, str], list[str]] = {}
    for event in tenant_events(gateway.audit, tenant, kinds=frozenset({"decision", "execution_refused"})):
        if event.payload.get("reason_code") != "skill_not_allowed":
            continue
        action = str(event.payload.get("requested_action") or event.action or "?")
        seen.setdefault((str(event.payload.get("skill") or "?"), action), []).append(event.event_id)
    return [OutOfScope(skill, action, len(ids), ids[0]) for (skill, action), ids in sorted(seen.items())]
