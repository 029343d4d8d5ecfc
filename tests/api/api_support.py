"""Helpers of the API tests: settings on a temp dir, keys, seeded leads, SSE parsing, hostile strings."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.keys import key_store_for
from dealix.settings import Settings
from skills.targeting.factory import SAMPLE_FILE, build_service
from tools.models import Role

SUNDAY_10_RIYADH = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh


def fixed_clock() -> datetime:
    return SUNDAY_10_RIYADH


# Lead text that must stay inert wherever it is shown.
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
JS_URL = "javascript:window.__xss=3"
HOSTILE = (SCRIPT, IMG, JS_URL)

HEADERS = ["company_name", "contact_name", "title", "phone", "email", "city", "sector", "source", "notes", "consent"]


def make_settings(root: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=root / "data", secret_key="k" * 32, **overrides)


def issue_key(settings: Settings, tenant: str, role: Role, user: str | None = None) -> str:
    return key_store_for(settings).create(user_id=user or f"{role.value}@{tenant}", tenant=tenant, role=role,
                                          now=SUNDAY_10_RIYADH).key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def write_leads(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        for row in rows:
            writer.writerow({h: row.get(h, "") for h in HEADERS})
    return path


def lead_rows(prefix: str, n: int, *, hostile: bool = False) -> list[dict[str, str]]:
    """Leads that the Targeting OS ranks as safe on a Sunday morning (CRM exports with an email)."""
    rows = []
    for i in range(n):
        name = f"{prefix} {i + 1}"
        if hostile:
            name = f"{name} {HOSTILE[i % len(HOSTILE)]}"
        rows.append({"company_name": name, "contact_name": f"سارة {prefix} {i + 1}", "title": "المديرة التنفيذية",
                     "phone": f"05{50000000 + i * 7919:08d}", "email": f"contact{i}@{prefix.lower()}{i}.example.sa",
                     "city": "الرياض", "sector": "التسويق", "source": "crm",
                     "notes": f"افتتاح فرع جديد قريباً {HOSTILE[i % len(HOSTILE)] if hostile else ''}".strip()})
    return rows


def seed_leads(settings: Settings, tenant: str, rows: list[dict[str, str]] | None = None) -> int:
    service = build_service(settings, tenant=tenant, clock=fixed_clock)
    if rows is None:
        return service.import_file(SAMPLE_FILE).imported
    path = write_leads(settings.data_dir / f"leads-{tenant}.csv", rows)
    return service.import_file(path).imported


def sse_events(text: str) -> list[dict[str, Any]]:
    """The JSON events of a text/event-stream body (comments and keep-alives ignored)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip() for line in block.split("\n") if line.startswith("data:"))
        if data:
            events.append(json.loads(data))
    return events


def chat(client: TestClient, key: str, text: str, thread_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Send one request (in a new thread unless given); returns the thread id and the streamed events."""
    if thread_id is None:
        created = client.post("/api/v1/threads", json={}, headers=auth(key))
        assert created.status_code == 201, created.text
        thread_id = created.json()["thread_id"]
    response = client.post(f"/api/v1/threads/{thread_id}/messages", json={"text": text}, headers=auth(key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return thread_id, sse_events(response.text)


def is_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"] == f"urn:dealix:problem:{body['code']}"
    assert body["title"] and body["detail"] and body["message_ar"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["message_ar"]), "message_ar is Arabic"
    if code is not None:
        assert body["code"] == code, body
    return body
