"""The bad-input corpus through the import API route: a clear Arabic refusal or inert data, never a 5xx,
never a half-stored import; and every exported cell that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import badinput_corpus as corpus
import pytest
from fastapi.testclient import TestClient
from reliability_support import TENANT, clock_at, settings_for

from api.app import create_app
from api.keys import key_store_for
from dealix.settings import Settings
from skills.targeting.factory import build_service, targeting_db_path
from tools.connectors.sheets import render_csv
from tools.models import Role


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "data")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock_at(0))) as test_client:
        yield test_client


@pytest.fixture
def headers(settings: Settings) -> dict[str, str]:
    key = key_store_for(settings).create(user_id="noura", tenant=TENANT, role=Role.sales_manager, now=clock_at(0)()).key
    return {"Authorization": f"Bearer {key}"}


def _stored(settings: Settings) -> tuple[int, int, int]:
    path = targeting_db_path(settings)
    if not path.exists():
        return (0, 0, 0)
    with sqlite3.connect(path) as conn:
        return tuple(int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # type: ignore[return-value]
                     for table in ("imports", "leads", "import_issues"))


def _upload(client: TestClient, headers: dict[str, str], path: Path) -> Any:
    with path.open("rb") as handle:
        return client.post("/api/v1/targeting/import", files={"file": (path.name, handle)}, headers=headers)


REFUSED: list[tuple[str, Callable[[Path], Path], int, str]] = [
    ("oversized.csv", corpus.oversized_csv, 413, "file_too_large"),
    ("bomb.xlsx", corpus.xlsx_bomb, 400, "unreadable_file"),
    ("fake.xlsx", corpus.fake_xlsx, 400, "unreadable_file"),
    ("garbage.csv", corpus.binary_csv, 422, "missing_company_column"),
    ("broken.json", corpus.broken_json, 400, "unreadable_file"),
    ("leads.exe", corpus.hostile_csv, 415, "unsupported_format"),
]


@pytest.mark.parametrize(("name", "build", "status", "code"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_hostile_file_is_refused_in_arabic_and_nothing_is_stored(
        tmp_path: Path, client: TestClient, headers: dict[str, str], settings: Settings,
        name: str, build: Callable[[Path], Path], status: int, code: str) -> None:
    response = _upload(client, headers, build(tmp_path / name))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] in (code, "payload_too_large") and body["status"] == status
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["message_ar"]), body
    assert _stored(settings) == (0, 0, 0), "no import, lead or issue stored half-way"


def test_markup_formulas_rtl_overrides_and_long_arabic_are_stored_as_inert_text(
        tmp_path: Path, client: TestClient, headers: dict[str, str], settings: Settings) -> None:
    response = _upload(client, headers, corpus.hostile_csv(tmp_path / "hostile.csv"))
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    rows = corpus.hostile_rows()
    assert report["imported"] + report["rejected"] + report["duplicates_in_file"] == len(rows)
    leads = build_service(settings, tenant=TENANT).repository.leads(TENANT, active_only=False)
    assert len(leads) == report["imported"] > 0
    texts = [t for lead in leads for t in (lead.company_name, lead.contact_name, lead.notes) if t]
    assert not any(corpus.RLO in t or "\x00" in t for t in texts), "bidi overrides and null bytes are dropped"
    assert any("<script>" in t for t in texts), "markup is kept as data (escaped where shown), not executed"
    assert any(len(t) > 100_000 for t in texts), "long Arabic text is kept whole"

    # What a spreadsheet export of these leads writes: no cell can start a formula.
    exported = render_csv(["company_name", "contact_name", "title", "notes"],
                          [[lead.company_name, lead.contact_name, lead.title, lead.notes] for lead in leads])
    text = exported.decode("utf-8-sig")
    for formula in corpus.FORMULAS:
        assert f'"{formula}' not in text and f",{formula}" not in text and f"\n{formula}" not in text, formula
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM" in text and "'-2+3" in text


def test_null_bytes_are_dropped_not_stored(tmp_path: Path, client: TestClient, headers: dict[str, str],
                                           settings: Settings) -> None:
    response = _upload(client, headers, corpus.null_bytes_csv(tmp_path / "nul.csv"))
    assert response.status_code == 200, response.text
    leads = build_service(settings, tenant=TENANT).repository.leads(TENANT)
    assert [lead.company_name for lead in leads] == ["شركةالنور"]
    assert all("\x00" not in (lead.contact_name or "") + (lead.notes or "") for lead in leads)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "cp1256", "utf-8-sig"])
def test_every_excel_encoding_of_an_arabic_file_imports_the_same_lead(
        tmp_path: Path, client: TestClient, headers: dict[str, str], settings: Settings, encoding: str) -> None:
    response = _upload(client, headers, corpus.utf16_csv(tmp_path / "leads.csv", encoding))
    assert response.status_code == 200, response.text
    assert [lead.company_name for lead in build_service(settings, tenant=TENANT).repository.leads(TENANT)] == [
        "شركة النور"]
