"""Access and erasure with every store in PostgreSQL (``DEALIX_TEST_POSTGRES_URL``; skipped when unset).

The same populated world as the SQLite tests (leads, consent, an executed draft, its thread, a
support ticket), built while ``DEALIX_DATABASE_URL`` names PostgreSQL: the export finds the
contact in the schemas, the erasure leaves no row holding them (the residual scan reads every
column of every schema of the data dir's namespace) and the audit chain verifies.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from privacy_support import SARA, SARA_IDENTIFIERS, TENANT, World, build_world

from dealix.privacy import residual
from dealix.privacy.service import PrivacyDesk
from skills.support.factory import build_service
from skills.support.intake import from_email
from tools.pgdb import drop_schemas

pytestmark = pytest.mark.postgres
URL = os.environ.get("DEALIX_TEST_POSTGRES_URL", "")


@pytest.fixture
def pg_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    if not URL:
        pytest.skip("DEALIX_TEST_POSTGRES_URL is not set")
    monkeypatch.setenv("DEALIX_DATABASE_URL", URL)
    world = build_world(tmp_path)
    assert world.settings.uses_postgres
    yield world
    drop_schemas(URL, world.settings.data_dir)


def test_export_then_erase_on_postgres_leaves_no_row_of_the_contact(pg_world: World) -> None:
    data_dir = pg_world.settings.data_dir
    assert not (data_dir / "dealix.db").exists() and not (data_dir / "targeting.db").exists()
    support = build_service(pg_world.settings, tenant=TENANT)
    ticket = support.create(from_email("لم تصلني فاتورة الشهر الماضي، أرجو إرسالها على رقمي 0551230001",
                                       customer_email=SARA["email"], customer_name=SARA["contact_name"]))
    before = {r.store for r in residual.scan(data_dir, SARA_IDENTIFIERS)}
    assert {"dealix.db", "targeting.db", "support.db"} <= before, before
    assert "checkpoints.db" not in before, before  # encrypted by default

    export = PrivacyDesk(pg_world.settings, tenant=TENANT).export(pg_world.contact_id)
    assert export.found and export.targeting["leads"] and export.gateway["consent"]
    assert [t["ticket_id"] for t in export.support] == [ticket.ticket_id]

    report = PrivacyDesk(pg_world.settings, tenant=TENANT, actor="dpo").erase(pg_world.contact_id,
                                                                             delete_threads=True)
    assert report.complete and report.audit_chain_ok and report.residual == [], report
    assert report.counts["targeting_leads"] == 1 and report.counts["support_tickets"] == 1
    assert report.threads_deleted == [pg_world.thread_id]
    left = residual.scan(data_dir, SARA_IDENTIFIERS)
    assert all(r.store == "targeting.db" and r.table == "do_not_contact" for r in left), left
    assert support.get(ticket.ticket_id).customer_email is None
