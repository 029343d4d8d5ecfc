"""``/api/v1/targeting``: import upload, rank, and the two demos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from targeting_corpus import AR_HEADERS, AR_ROWS, SUNDAY_10_RIYADH, write_csv, write_xlsx
from targeting_support import ServiceFactory

from api.app import create_app
from api.routers import targeting as router
from skills.targeting.factory import SAMPLE_FILE


@pytest.fixture
def client(make_service: ServiceFactory) -> Iterator[TestClient]:
    app = create_app()
    service = make_service()
    app.dependency_overrides[router.get_service] = lambda: service
    app.dependency_overrides[router.get_clock] = lambda: (lambda: SUNDAY_10_RIYADH)
    with TestClient(app) as test_client:
        yield test_client


def test_upload_a_csv_and_get_the_report(client: TestClient) -> None:
    response = client.post("/api/v1/targeting/import",
                           files={"file": ("leads.csv", SAMPLE_FILE.read_bytes(), "text/csv")})
    assert response.status_code == 200
    report = response.json()["report"]
    assert report["file_name"] == "leads.csv" and report["imported"] == 30 and report["merges"]


def test_upload_an_xlsx(client: TestClient, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", AR_HEADERS, [list(r) for r in AR_ROWS])
    response = client.post("/api/v1/targeting/import", files={"file": ("l.xlsx", path.read_bytes())})
    assert response.status_code == 200 and response.json()["report"]["imported"] == len(AR_ROWS)


def test_an_unsupported_upload_is_a_415_with_an_arabic_message(client: TestClient) -> None:
    response = client.post("/api/v1/targeting/import", files={"file": ("x.pdf", b"%PDF-1.4")})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_format" and "غير مدعومة" in response.json()["message_ar"]


def test_a_file_without_a_company_column_is_a_422(client: TestClient, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["name", "email"], [["A", "a@a.example.com"]])
    response = client.post("/api/v1/targeting/import", files={"file": ("x.csv", path.read_bytes())})
    assert response.status_code == 422 and response.json()["code"] == "missing_company_column"


def test_an_oversized_upload_is_a_413(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(router, "MAX_UPLOAD_BYTES", 100)
    response = client.post("/api/v1/targeting/import", files={"file": ("big.csv", b"company,email\n" + b"x" * 200)})
    assert response.status_code == 413 and response.json()["message_ar"]


def test_rank_returns_ranked_targets_with_breakdowns(client: TestClient) -> None:
    client.post("/api/v1/targeting/import", files={"file": ("leads.csv", SAMPLE_FILE.read_bytes())})
    response = client.post("/api/v1/targeting/rank", json={"top": 5})
    assert response.status_code == 200
    targets = response.json()["result"]["targets"]
    assert len(targets) == 5
    assert [t["score"]["total"] for t in targets] == sorted((t["score"]["total"] for t in targets), reverse=True)


def test_rank_refuses_unknown_fields(client: TestClient) -> None:
    assert client.post("/api/v1/targeting/rank", json={"top": 5, "hack": True}).status_code == 422


def test_opportunities_demo_gives_safe_prospects_and_a_top_ten(client: TestClient) -> None:
    response = client.get("/api/v1/targeting/opportunities/demo")
    assert response.status_code == 200
    selection = response.json()["selection"]
    assert 0 < len(selection["top"]) <= 10 and len(selection["pool"]) <= 20
    pick = selection["top"][0]
    assert pick["target"]["channel"]["channel"] and pick["target"]["risk"]["level"] and pick["why_now_ar"]


def test_contactability_demo_explains_every_lead(client: TestClient) -> None:
    response = client.get("/api/v1/targeting/contactability/demo")
    body = response.json()
    assert response.status_code == 200 and body["counts"]["blocked"] >= 2
    assert all(row["contactability"]["reason_ar"] for row in body["leads"])
