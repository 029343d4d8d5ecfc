"""An opt-out given for an address outlives the erasure of the person, without the address at rest.

Consent by address lives under ``addr:<address>``. On main, erasure left those rows keyed by the
raw address (so the opt-out kept working); now they move to a keyed hash of it (HMAC with the
install's key), and every registry built with that key still finds them.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from privacy_support import SARA, SARA_IDENTIFIERS, TENANT, World, files_holding, write_leads

from dealix.privacy.service import PrivacyDesk
from dealix.wiring import build_gateway
from skills.targeting.factory import build_service
from tools.consent_book import ConsentBook
from tools.models import Channel, Mode, ToolCall

pytestmark = pytest.mark.sqlite_only

NEWCOMER = {"company_name": "مكتب الريادة للاستشارات", "contact_name": "منيرة الدوسري", "title": "مديرة الحسابات",
            "phone": "0551239990", "email": SARA["email"], "city": "الدمام", "sector": "الاستشارات", "source": "crm"}
OTHER = {**NEWCOMER, "contact_name": "فهد الحربي", "phone": "0551239991", "email": "fahad@example.sa"}


def _opt_out_by_address(world: World, address: str) -> None:
    """As a WhatsApp "STOP" or `dealix consent opt-out` records it: for the address itself, no lead named."""
    gateway = build_gateway(world.settings)
    try:
        ConsentBook(gateway.store, gateway.audit, clock=lambda: datetime.now(UTC), registry=gateway.consent).opt_out(
            TENANT, address, Channel.all, source="reply:STOP", actor="support")
    finally:
        gateway.store.close()


def _address_ids(world: World) -> list[str]:
    with closing(sqlite3.connect(world.settings.data_dir / "dealix.db")) as conn:
        return [r[0] for r in conn.execute("SELECT contact_id FROM consent_events WHERE contact_id LIKE 'addr%'")]


def _draft_to(world: World, lead_id: str, address: str) -> tuple[Mode, str | None]:
    call = ToolCall(tenant=TENANT, skill="saudi_copywriter", action="gmail.draft", thread_id="t-after-erasure",
                    tool_call_id=lead_id, contact_id=lead_id, args={"to": address, "subject": "تعريف", "body": "مرحباً"})
    decision = build_gateway(world.settings).decide(call).decision
    return decision.mode, decision.reason_code


def test_an_opt_out_by_address_keeps_blocking_after_erasure_and_the_address_leaves_the_store(
        world: World, tmp_path: Path) -> None:
    _opt_out_by_address(world, SARA["email"])
    assert _address_ids(world) == [f"addr:{SARA['email']}"]

    report = PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").erase(world.contact_id, delete_threads=True)

    assert report.complete and report.audit_chain_ok
    [kept] = _address_ids(world)
    assert kept.startswith("addrh:") and SARA["email"] not in kept
    # Not one byte of her email, phone or name in any file, WAL included: the consent rows hold a keyed hash.
    assert files_holding(world.settings.data_dir, (*SARA_IDENTIFIERS, SARA["email"].upper())) == {}

    # Someone else later imported with the same email: the opt-out for the address still holds.
    targeting = build_service(world.settings, tenant=TENANT)
    targeting.import_file(write_leads(tmp_path / "later.csv", [NEWCOMER, OTHER]))
    by_email = {lead.email: lead for lead in targeting.repository.leads(TENANT)}
    newcomer, other = by_email[SARA["email"]], by_email[OTHER["email"]]
    assert _draft_to(world, newcomer.lead_id, SARA["email"]) == (Mode.blocked, "opted_out_registry")
    assert _draft_to(world, other.lead_id, OTHER["email"])[0] == Mode.draft_only  # the same path, not blocked
    gateway = build_gateway(world.settings)
    book = ConsentBook(gateway.store, gateway.audit, clock=lambda: datetime.now(UTC), registry=gateway.consent)
    assert book.view(TENANT, SARA["email"].upper()).channel(Channel.email).status == "opt_out"


def test_rows_keyed_by_the_raw_address_are_still_read(world: World) -> None:
    # A store written before this change holds addr:<address> rows, and one erased since holds addrh: rows.
    _opt_out_by_address(world, SARA["email"])
    gateway = build_gateway(world.settings)
    assert gateway.consent.state(TENANT, f"addr:{SARA['email']}", Channel.email).opted_out
    assert gateway.consent.known_ids(TENANT, [f"addr:{SARA['email']}", "addr:nobody@example.sa"]) == {
        f"addr:{SARA['email']}"}
