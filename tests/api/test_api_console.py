"""The operator console: login, chat shell, approval inbox (edit before approve), audit trail, proof pack,
and lead, draft and ticket text rendered inert (escaped by the templates, and behind a strict CSP)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

import pytest
from api_support import HOSTILE, IMG, JS_URL, SCRIPT, chat, lead_rows, seed_leads
from fastapi.testclient import TestClient

from api.session import COOKIE
from dealix.settings import Settings
from tools.models import Role


def login(client: TestClient, key: str) -> str:
    response = client.post("/console/login", data={"api_key": key}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/console")
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text)
    assert match, page.text[:500]
    return match.group(1)


def assert_inert(html: str) -> None:
    """No hostile markup survives as markup; each one is present as escaped text."""
    assert SCRIPT not in html and IMG not in html and "<img" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert 'href="javascript:' not in html and "src=\"javascript:" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(s == '<script src="/static/console.js" defer>' for s in scripts), scripts


@pytest.fixture
def hostile_inbox(client: TestClient, key: Callable[..., str], settings: Settings) -> dict[str, Any]:
    seed_leads(settings, "acme", lead_rows("Hostile", 3, hostile=True))
    token = key()
    _, events = chat(client, token, "rank my top 3 leads today")
    approvals = [e["approval"] for e in events if e["type"] == "approval_request"]
    assert len(approvals) == 3
    return {"key": token, "approvals": approvals, "events": events}


def test_without_a_session_the_console_redirects_to_login(client: TestClient) -> None:
    for path in ("/console", "/console/approvals", "/console/audit", "/console/proof"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/console/login"
    page = client.get("/console/login")
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text
    assert 'type="password"' in page.text


def test_the_chat_page_is_arabic_rtl_first_with_an_english_toggle(client: TestClient, key: Callable[..., str]) -> None:
    login(client, key())
    page = client.get("/console")
    assert '<html lang="ar" dir="rtl">' in page.text and "اطلب من Dealix" in page.text
    assert 'href="?lang=en"' in page.text
    english = client.get("/console?lang=en")
    assert '<html lang="en" dir="ltr">' in english.text and "Ask Dealix" in english.text
    assert client.get("/console").text.startswith("<!doctype html>\n<html lang=\"en\"")  # remembered
    assert "dealix_lang=en" in english.headers["set-cookie"]


def test_every_console_page_sends_a_strict_content_security_policy(client: TestClient, key: Callable[..., str]) -> None:
    login(client, key())
    for path in ("/console", "/console/approvals", "/console/audit", "/console/proof", "/"):
        csp = client.get(path).headers["content-security-policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert script_src.strip() == "script-src 'self'" and "object-src 'none'" in csp
    docs = client.get("/docs")  # FastAPI's Swagger page needs its inline script: the other headers only
    assert "content-security-policy" not in docs.headers and docs.headers["x-content-type-options"] == "nosniff"


def test_hostile_lead_text_is_inert_in_the_inbox(client: TestClient, hostile_inbox: dict[str, Any]) -> None:
    login(client, hostile_inbox["key"])
    html = client.get("/console/approvals").text
    assert html.count('class="card approval"') == 3
    assert_inert(html)


def test_hostile_text_is_inert_in_the_chat_history_and_audit(client: TestClient, hostile_inbox: dict[str, Any]) -> None:
    login(client, hostile_inbox["key"])
    thread_id = hostile_inbox["events"][-1]["thread_id"]
    html = client.get(f"/console?thread={thread_id}").text
    assert "Hostile 1" in html
    assert_inert(html)
    audit = client.get("/console/audit").text
    assert SCRIPT not in audit and IMG not in audit


def test_the_streamed_events_carry_hostile_text_as_json_strings_only(hostile_inbox: dict[str, Any]) -> None:
    bodies = [a["args"].get("body", "") + a["args"].get("subject", "") for a in hostile_inbox["approvals"]]
    assert any(h in b for b in bodies for h in HOSTILE)  # the text is kept as written, for the approver to see
    # the console script renders events with textContent only (checked in the browser test too)
    from importlib import resources

    script = resources.files("api.console").joinpath("static/console.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


def _form_ids(html: str) -> list[str]:
    return re.findall(r'action="/console/approvals/(apr_[0-9a-f]+)"', html)


def test_inbox_approve_edit_and_reject_as_the_logged_in_user(client: TestClient, key: Callable[..., str],
                                                              settings: Settings) -> None:
    seed_leads(settings, "acme")
    token = key(user="noura")
    chat(client, token, "rank my top 5 leads today")  # three of the five get a draft (two are a person's step)
    csrf = login(client, token)
    first, second, third = _form_ids(client.get("/console/approvals").text)[:3]
    ok = client.post(f"/console/approvals/{first}", data={"csrf_token": csrf, "decision": "approve"})
    assert "data-done=\"approve\"" in ok.text
    edited = "نص معدّل بعد المراجعة."
    page = client.post(f"/console/approvals/{second}", data={"csrf_token": csrf, "decision": "edit",
                                                             "arg_body": edited})
    assert 'data-done="edit"' in page.text
    no_reason = client.post(f"/console/approvals/{third}", data={"csrf_token": csrf, "decision": "reject"})
    assert 'data-error="reason"' in no_reason.text
    rejected = client.post(f"/console/approvals/{third}", data={"csrf_token": csrf, "decision": "reject",
                                                                "reason": "ليس الآن"})
    assert 'data-done="reject"' in rejected.text
    assert not {first, second, third} & set(_form_ids(rejected.text))
    audit = client.get("/console/audit").text
    for kind in ("approval_approved", "approval_edited", "approval_rejected", "executed"):
        assert f'data-kind="{kind}"' in audit
    assert "noura" in audit and 'data-chain="ok"' in audit
    drafts = client.get("/api/v1/drafts").json()["drafts"]
    assert len(drafts) == 2


def test_a_form_post_without_the_csrf_token_changes_nothing(client: TestClient, key: Callable[..., str],
                                                            settings: Settings) -> None:
    seed_leads(settings, "acme")
    token = key()
    chat(client, token, "rank my top 2 leads today")
    login(client, token)
    approval_id = _form_ids(client.get("/console/approvals").text)[0]
    page = client.post(f"/console/approvals/{approval_id}", data={"decision": "approve"})
    assert 'data-error="csrf"' in page.text
    page = client.post(f"/console/approvals/{approval_id}", data={"decision": "approve", "csrf_token": "0" * 64})
    assert 'data-error="csrf"' in page.text
    assert approval_id in _form_ids(client.get("/console/approvals").text)


def test_a_role_without_rights_sees_no_decision_form(client: TestClient, key: Callable[..., str],
                                                     settings: Settings) -> None:
    seed_leads(settings, "acme")
    chat(client, key(), "rank my top 3 leads today")  # two drafts: the top pick is a partner introduction
    csrf = login(client, key(role=Role.self_growth))
    html = client.get("/console/approvals").text
    assert html.count('class="card approval"') == 2 and not _form_ids(html) and "بانتظار دور آخر" in html
    approval_id = re.findall(r'data-approval="(apr_[0-9a-f]+)"', html)[0]
    page = client.post(f"/console/approvals/{approval_id}", data={"csrf_token": csrf, "decision": "approve"})
    assert 'data-error="role_not_allowed"' in page.text


def test_the_proof_view_counts_this_weeks_units_with_hijri_dates(client: TestClient, key: Callable[..., str],
                                                                 settings: Settings) -> None:
    seed_leads(settings, "acme")
    token = key()
    chat(client, token, "rank my top 3 leads today")  # two drafts: the top pick is a partner introduction
    login(client, token)
    html = client.get("/console/proof").text
    assert "عمليات ترتيب للفرص" in html and 'data-pending>2<' in html
    assert "2026-11-22" in html and "1448" in html  # Sunday 22 Nov 2026 = 12 Jumada al-Akhirah 1448
    link = re.search(r'href="(/api/v1/proof-pack\?[^"]+)" data-pack-link', html)
    assert link is not None  # the full pack, built on request (it is recorded in the audit log)
    pack = client.get(html_lib.unescape(link.group(1)))
    assert pack.status_code == 200 and pack.headers["content-type"].startswith("text/html")


def test_logout_needs_the_token_and_clears_the_session(client: TestClient, key: Callable[..., str]) -> None:
    csrf = login(client, key())
    client.post("/console/logout", data={"csrf_token": "wrong"})
    assert client.get("/console", follow_redirects=False).status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf})
    assert COOKIE not in client.cookies
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_hostile_ticket_text_is_inert_in_the_console(client: TestClient, key: Callable[..., str]) -> None:
    token = key()
    created = client.post("/api/v1/support/tickets", headers={"Authorization": f"Bearer {token}"},
                          json={"text": f"النظام متوقف ولا أستطيع الدخول {SCRIPT} {IMG} {JS_URL}"})
    assert created.status_code == 201, created.text
    thread_id, events = chat(client, token, "وش تذاكر الدعم المفتوحة")
    assert events[0]["intent"] == "support"
    login(client, token)
    html = client.get(f"/console?thread={thread_id}").text
    assert created.json()["ticket"]["ticket_id"] in html
    assert SCRIPT not in html and IMG not in html and 'href="javascript:' not in html
