"""End to end in a real headless Chromium: log in, ask for today's top targets, approve one, edit one,
reject one, read the audit trail — with hostile markup in lead fields that must never run.
Screenshots go to a temporary directory; with DEALIX_UPDATE_SCREENSHOTS=1 they refresh docs/screenshots/."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM_FLAGS, IMG, JS_URL, SCRIPT, chromium_or_skip, serving, write_demo_leads

from api.app import create_app
from api.seed import seed_demo
from dealix.settings import Settings

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SUNDAY_10_RIYADH = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def _no_xss(page: Any) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", "hostile lead markup ran in the console"


@pytest.mark.slow
def test_console_end_to_end_in_chromium(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    settings = Settings(data_dir=tmp_path / "data", secret_key="e" * 32)
    seeded = seed_demo(settings, clock=lambda: SUNDAY_10_RIYADH, leads=write_demo_leads(tmp_path / "leads.csv"))
    # A test run must not rewrite tracked files; the docs' screenshots are refreshed on request.
    shots = DOCS_SHOTS if os.environ.get("DEALIX_UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    errors: list[str] = []
    with serving(create_app(settings, clock=lambda: SUNDAY_10_RIYADH)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ar-SA")
        page.set_default_timeout(90_000)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))

        # 1. log in with the API key
        page.goto(f"{base}/console")
        expect(page).to_have_url(f"{base}/console/login")
        assert page.get_attribute("html", "dir") == "rtl"
        page.fill("#api_key", seeded.key)
        page.screenshot(path=str(shots / "01-login.png"))
        page.click("form[data-login] button[type=submit]")
        expect(page).to_have_url(f"{base}/console")

        # 2. ask for today's top targets: the reply streams in, with one approval card per draft
        page.fill("form[data-ask] textarea", "رتب لي أفضل ١٠ عملاء اليوم")
        page.click("form[data-ask] button[type=submit]")
        reply = page.locator(".msg.assistant[data-done='1']")
        expect(reply).to_have_count(1)
        cards = reply.locator("article.card.approval")
        expect(cards).to_have_count(6)
        assert "أفضل 6 فرص" in reply.locator(".text").inner_text()
        for card in cards.all():  # at most three buttons on every card
            assert card.locator("button, a.button").count() <= 3
        hostile_card = reply.locator("article.card.approval", has_text="window.__xss")
        assert hostile_card.count() >= 3
        assert reply.get_by_text(SCRIPT).count() + reply.get_by_text(IMG).count() + reply.get_by_text(
            JS_URL).count() >= 1  # shown as text, exactly as written
        assert page.locator("article.card img").count() == 0 and page.locator("a[href^='javascript']").count() == 0
        _no_xss(page)
        page.evaluate("document.querySelector('[data-log]').scrollTop = 0")
        page.screenshot(path=str(shots / "02-chat-top-targets.png"), full_page=True)

        # 3. approve one, right from the chat card (a hostile one: it runs as text, never as code)
        first = hostile_card.first
        first.locator("[data-action=approve]").click()
        expect(first.locator(".status")).to_contain_text("نُفِّذ")
        expect(first).to_have_class("card approval decided")
        _no_xss(page)

        # 4. edit one before approving, in the inbox
        page.click("a[data-nav=inbox]")
        expect(page).to_have_url(f"{base}/console/approvals")
        items = page.locator("article.card.approval")
        expect(items).to_have_count(5)
        _no_xss(page)
        editing = items.nth(0)
        edited_id = editing.get_attribute("data-approval")
        editing.locator("textarea[name=arg_body]").fill("السلام عليكم،\nنص معدّل بعد مراجعة مدير المبيعات.\nمع التحية")
        page.screenshot(path=str(shots / "03-inbox-edit.png"), full_page=True)
        editing.locator("button[value=edit]").click()
        expect(page.locator("[data-done=edit]")).to_be_visible()

        # 5. reject one with a reason
        rejecting = page.locator("article.card.approval").nth(0)
        rejected_id = rejecting.get_attribute("data-approval")
        assert rejected_id != edited_id
        rejecting.locator("input[name=reason]").fill("العميل طلب التواصل بعد رمضان")
        rejecting.locator("button[value=reject]").click()
        expect(page.locator("[data-done=reject]")).to_be_visible()
        expect(page.locator("article.card.approval")).to_have_count(3)

        # 6. the audit trail shows each decision, by the logged-in user, on an intact chain
        page.click("a[data-nav=audit]")
        expect(page.locator("[data-chain=ok]")).to_be_visible()
        for kind in ("approval_approved", "approval_edited", "approval_rejected", "executed"):
            assert page.locator(f"tr[data-kind={kind}]").count() >= 1, kind
        assert page.locator("tr[data-kind=approval_rejected]").first.inner_text().count("demo-operator") == 1
        page.screenshot(path=str(shots / "04-audit-trail.png"), full_page=True)

        # 7. the proof pack view, then English
        page.click("a[data-nav=proof]")
        expect(page.locator("[data-week]")).to_contain_text("1448")
        page.screenshot(path=str(shots / "05-proof-pack.png"), full_page=True)
        page.click("[data-lang-toggle]")
        assert page.get_attribute("html", "dir") == "ltr" and page.get_attribute("html", "lang") == "en"
        page.screenshot(path=str(shots / "06-proof-pack-en.png"), full_page=True)

        # 8. the public index, Arabic first
        page.goto(f"{base}/?lang=ar")
        page.screenshot(path=str(shots / "07-home.png"), full_page=True)
        _no_xss(page)
        browser.close()
    assert not dialogs, dialogs
    assert not errors, errors
