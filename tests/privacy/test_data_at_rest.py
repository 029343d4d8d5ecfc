"""Personal data at rest: after a default autopilot run, an approval and a chat thread, no raw phone,
email or name of a lead is in any file of the data dir, except where the work needs it: the outbox
(the draft that left), the Targeting OS store (the lead record), the consent history, and the
arguments of approvals that may still run (spent ones keep keyed pseudonyms).

On main: checkpoints.db held names, phones and emails in clear (no DEALIX_CHECKPOINT_KEY by
default) and thread titles were the first message verbatim.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from privacy_support import KHALID, SARA, TENANT, World, build_world, files_holding

from api.app import create_app
from api.keys import key_store_for
from dealix.settings import Settings
from tools.models import Role

LEADS = (SARA, KHALID)
IDENTIFIERS = tuple(v for lead in LEADS for v in (lead["email"], lead["phone"], "+966" + lead["phone"][1:],
                                                   lead["contact_name"]))
NEEDED = {"targeting.db"}  # the lead records themselves (and their do-not-contact list)


def _at_rest(data_dir: Path) -> None:
    """As after a clean stop: every SQLite write-ahead log folded into its database."""
    for path in data_dir.rglob("*.db"):
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _chat(world: World) -> str:
    settings = world.settings
    key = key_store_for(settings).create(user_id="u-sales", tenant=TENANT, role=Role.sales_manager,
                                          now=datetime.now(UTC)).key
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {key}"}
        created = client.post("/api/v1/threads", headers=headers,
                              json={"title": f"متابعة {KHALID['contact_name']} على {KHALID['phone']}"})
        assert created.status_code == 201, created.text
        thread = created.json()
        titles = [t["title"] for t in client.get("/api/v1/threads", headers=headers).json()["threads"]]
    assert titles and not any(v in t for t in titles for v in IDENTIFIERS), titles
    return str(thread["thread_id"])


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def test_no_lead_identifier_rests_anywhere_but_where_the_work_needs_it(world: World) -> None:
    _chat(world)
    data_dir = world.settings.data_dir
    _at_rest(data_dir)

    found = files_holding(data_dir, IDENTIFIERS)
    stray = {f: hits for f, hits in found.items()
             if not f.startswith("outbox/") and f not in NEEDED and f != "dealix.db"}
    assert stray == {}, stray  # checkpoints.db, threads.db, their WAL files, vectors, keys ...
    assert {"checkpoints.db", "threads.db"} <= {p.name for p in data_dir.iterdir()}

    # dealix.db holds the consent history and the approvals: row by row, only those two may name a lead.
    with closing(sqlite3.connect(data_dir / "dealix.db")) as conn:
        conn.row_factory = sqlite3.Row
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in conn.execute(f'SELECT * FROM "{table}"').fetchall():
                text = " ".join(str(v) for v in tuple(row))
                hits = [v for v in IDENTIFIERS if v in text]
                if not hits:
                    continue
                assert table in ("consent_events", "approvals"), (table, hits)


def test_spent_approvals_keep_no_raw_arguments(world: World) -> None:
    with closing(sqlite3.connect(world.settings.data_dir / "dealix.db")) as conn:
        spent = [args for (args,) in conn.execute("SELECT args FROM approvals WHERE status != 'pending'")]
    assert spent and not any(v in args for args in spent for v in IDENTIFIERS)


def test_a_spent_approval_leaves_no_old_copy_of_its_arguments_in_the_store_file(world: World) -> None:
    data_dir = world.settings.data_dir
    _at_rest(data_dir)
    # Sara's name and email were only ever in her approval's arguments (her consent names her phone):
    # rewritten when it was executed, and overwritten on disk, not left in a freed cell of the page.
    assert "dealix.db" not in files_holding(data_dir, (SARA["contact_name"], SARA["email"]))


def test_thread_titles_mask_phones_emails_and_lead_names(world: World) -> None:
    from api.services import title_masker

    mask = title_masker(world.settings)
    title = mask(TENANT, f"اكتب لـ{SARA['contact_name']} على {SARA['phone']} أو {SARA['email']}")

    assert not any(v in title for v in IDENTIFIERS), title
    assert title.startswith("اكتب لـ[NAME:") and "[PHONE:" in title and "[EMAIL:" in title
    assert mask("another-tenant", SARA["contact_name"]) == SARA["contact_name"]  # another tenant's leads are not ours


def test_the_signing_key_can_live_outside_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key_file=tmp_path / "keys" / "dealix.key")

    key = settings.signing_key()

    assert (tmp_path / "keys" / "dealix.key").read_text().strip().encode() == key
    assert not (tmp_path / "data" / "secret.key").exists()
    assert settings.signing_key() == key  # created once
    secret = settings.checkpoint_secret()
    assert secret != key and key not in secret
    assert Settings(data_dir=tmp_path / "data", secret_key_file=tmp_path / "keys" / "dealix.key",
                    checkpoint_key="a-long-checkpoint-key-1").checkpoint_secret() == b"a-long-checkpoint-key-1"


def test_erasing_with_its_threads_also_drops_them_from_the_thread_list(world: World) -> None:
    from dealix.privacy.service import PrivacyDesk
    from graphs.threads import ThreadBook

    book = ThreadBook(world.settings.data_dir / "threads.db")
    book.create(tenant=TENANT, kind="autopilot", user_id="u", title="تشغيل اليوم", now=datetime.now(UTC),
                thread_id=world.thread_id)

    report = PrivacyDesk(world.settings, tenant=TENANT, actor="dpo").erase(world.contact_id, delete_threads=True)

    assert report.threads_deleted == [world.thread_id]
    assert [t.thread_id for t in book.list(TENANT)] == []
