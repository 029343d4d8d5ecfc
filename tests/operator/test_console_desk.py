"""The console's desk pages: cards with working buttons, evidence viewer, partner board, deals and forecast;
ids shown as words; a rejection without a reason; unknown URLs and errors as pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from operator_support import SUNDAY_10_RIYADH

from api.app import create_app
from api.deps import app_services
from api.keys import key_store_for
from dealix.settings import Settings
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.gateway import Gateway
from tools.models import Role


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=lambda: SUNDAY_10_RIYADH)) as test_client:
        yield test_client


def _gateway(client: TestClient, settings: Settings) -> Gateway:
    return app_services(client.app, settings).gateway  # type: ignore[arg-type]


def login(client: TestClient, settings: Settings, role: Role = Role.sales_manager) -> str:
    key = key_store_for(settings).create(user_id="noura@acme", tenant="acme", role=role,
                                         now=SUNDAY_10_RIYADH).key
    assert client.post("/console/login", data={"api_key": key}, follow_redirects=False).status_code == 303
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', client.get("/console").text)
    assert match
    return match.group(1)


@pytest.fixture
def leads(settings: Settings) -> None:
    build_service(settings, tenant="acme", clock=lambda: SUNDAY_10_RIYADH).import_file(SAMPLE_FILE)


def test_the_opportunity_cards_prepare_draft_creates_the_draft_and_its_approval(
        client: TestClient, settings: Settings, leads: None) -> None:
    csrf = login(client, settings)
    page = client.get("/console/cards")
    assert page.status_code == 200 and 'data-type="opportunity"' in page.text
    card_id = re.search(r'data-card="(card_[0-9a-f]+)" data-type="opportunity"', page.text).group(1)  # type: ignore[union-attr]
    before = _gateway(client, settings).pending_approvals("acme")
    pressed = client.post(f"/console/cards/{card_id}", data={"csrf_token": csrf, "button_id": "prepare_draft"},
                          follow_redirects=False)
    assert pressed.status_code == 303 and "done=accepted" in pressed.headers["location"]
    assert "drafts=1" in pressed.headers["location"]
    after = _gateway(client, settings).pending_approvals("acme")
    assert len(after) == len(before) + 1 and after[-1].action_request.action in ("gmail.draft", "whatsapp.draft")
    again = client.get("/console/cards?done=accepted&drafts=1")
    assert f'data-card="{card_id}"' not in again.text and 'data-drafts="1"' in again.text


def test_ids_are_words_in_both_languages(client: TestClient, settings: Settings, leads: None) -> None:
    login(client, settings)
    client.get("/console/cards")
    for path in ("/console/cards", "/console/approvals", "/console/audit"):
        page = client.get(path)
        assert page.status_code == 200 and "data-error-page" not in page.text, path
        arabic = page.text
        visible = re.sub(r"<[^>]+>", " ", arabic)
        for raw in ("sales_manager", "approved_execute", "suggest_only", "approval_required", "targeting.rank",
                    "reason_code"):
            assert raw not in visible, (path, raw)
    assert "مدير المبيعات" in client.get("/console/approvals").text
    audit = client.get("/console/audit").text
    assert 'data-event="decision"' in audit and "قرار البوابة" in audit
    assert "Sales manager" in client.get("/console/approvals?lang=en").text


def test_rejecting_in_the_inbox_without_a_reason_works(client: TestClient, settings: Settings, leads: None) -> None:
    csrf = login(client, settings)
    gateway = _gateway(client, settings)
    card_id = re.search(r'data-card="(card_[0-9a-f]+)" data-type="opportunity"',  # type: ignore[union-attr]
                        client.get("/console/cards").text).group(1)
    client.post(f"/console/cards/{card_id}", data={"csrf_token": csrf, "button_id": "prepare_draft"})
    approval = gateway.pending_approvals("acme")[0]
    response = client.post(f"/console/approvals/{approval.approval_id}",
                           data={"csrf_token": csrf, "decision": "reject", "reason": ""}, follow_redirects=False)
    assert response.headers["location"] == "/console/approvals?done=reject"
    assert gateway.get_approval(approval.approval_id, "acme").status == "rejected"


def test_unknown_console_urls_and_errors_are_pages_not_json(client: TestClient, settings: Settings) -> None:
    login(client, settings)
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert 'data-error-page="404"' in missing.text and "الصفحة غير موجودة" in missing.text
    english = client.get("/console/nope?lang=en")
    assert "Page not found" in english.text
    bad = client.get("/console/cards?drafts=many")  # a query parameter of the wrong type
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/nothing-here").headers["content-type"].startswith("application/problem+json")


def test_the_evidence_viewer_exports_verifies_and_detects_tampering(client: TestClient, settings: Settings,
                                                                    tmp_path: Path) -> None:
    csrf = login(client, settings)
    page = client.post("/console/evidence", data={"csrf_token": csrf, "start": "2026-11-22", "end": "2026-11-22"})
    assert page.status_code == 200 and 'data-verified="ok"' in page.text and "audit_events" in page.text
    name = re.search(r'/console/evidence/download/([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    pack = client.get(f"/console/evidence/download/{name}")
    assert pack.status_code == 200 and pack.content[:2] == b"PK"
    ok = client.post("/console/evidence", data={"csrf_token": csrf}, files={"pack": ("p.zip", pack.content)})
    assert 'data-verified="ok"' in ok.text
    import io
    import zipfile

    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack.content)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, data + b"\n" if info.filename == "audit_events.jsonl" else data)
    bad = client.post("/console/evidence", data={"csrf_token": csrf}, files={"pack": ("p.zip", tampered.getvalue())})
    assert 'data-verified="tampered"' in bad.text
    assert client.get("/console/evidence/download/evidence-other-x.zip", follow_redirects=False).status_code == 303


def test_deals_are_entered_from_the_console_and_shown_with_the_forecast(client: TestClient,
                                                                        settings: Settings) -> None:
    csrf = login(client, settings)
    recorded = client.post("/console/deals", data={"csrf_token": csrf, "company": "شركة الأفق", "stage": "proposal",
                                                   "value": "40000", "close": "2026-11-26"}, follow_redirects=False)
    assert recorded.headers["location"] == "/console/deals?done=recorded"
    page = client.get("/console/deals")
    assert "شركة الأفق" in page.text and "40,000.00" in page.text and "عرض مقدَّم" in page.text
    assert "data-forecast" in page.text
    refused = client.post("/console/deals", data={"csrf_token": csrf, "company": "X", "stage": "dreaming",
                                                  "value": "10", "close": "2026-11-26"}, follow_redirects=False)
    assert "error=" in refused.headers["location"]


def test_the_partner_board_shows_every_column(client: TestClient, settings: Settings) -> None:
    login(client, settings)
    page = client.get("/console/partners")
    assert page.status_code == 200
    for column in ("candidates", "agreed", "open", "won", "lost"):
        assert f'data-column="{column}"' in page.text
