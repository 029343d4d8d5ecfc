"""End to end in a real headless Chromium: the chat serves and refuses in one message, in Arabic and in
English; the cards page's «جهّز مسودة» prepares a draft for approval; deals, the partner board, the evidence
viewer and an unknown URL render as pages. Screenshots go to a temporary directory; with
DEALIX_UPDATE_SCREENSHOTS=1 they refresh docs/screenshots/."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM_FLAGS, chromium_or_skip, serving

from api.app import create_app
from api.seed import seed_demo
from dealix.settings import Settings

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SUNDAY_10_RIYADH = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def _ask(page: Any, text: str, count: int) -> Any:
    from playwright.sync_api import expect

    page.fill("form[data-ask] textarea", text)
    page.click("form[data-ask] button[type=submit]")
    replies = page.locator(".msg.assistant[data-done='1']")
    expect(replies).to_have_count(count, timeout=90_000)
    return replies.nth(count - 1)


@pytest.mark.slow
def test_operator_desk_end_to_end_in_chromium(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    settings = Settings(data_dir=tmp_path / "data", secret_key="e" * 32)
    seeded = seed_demo(settings, clock=lambda: SUNDAY_10_RIYADH)
    shots = DOCS_SHOTS if os.environ.get("DEALIX_UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with serving(create_app(settings, clock=lambda: SUNDAY_10_RIYADH)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ar-SA")
        page.set_default_timeout(90_000)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/console/login")
        page.fill("#api_key", seeded.key)
        page.click("form[data-login] button[type=submit]")
        expect(page).to_have_url(f"{base}/console")

        # 1. Arabic, two asks in one message: the ranking is served, the WhatsApp half refused as itself
        reply = _ask(page, "رتب لي أفضل ٣ عملاء اليوم وأرسل لهم واتساب الحين", 1)
        text = reply.locator(".text").inner_text()
        assert "أفضل 3 فرص" in text and "لم أنفّذ «إرسال رسالة واتساب»" in text and "سجل التدقيق" in text
        refused = reply.locator("p.tool.blocked[data-action='whatsapp.send']")
        expect(refused).to_have_count(1)
        assert "إرسال رسالة واتساب" in refused.inner_text() and "whatsapp.send" not in refused.inner_text()
        # two of the three picks get a draft; the first is a partner introduction, a person's step
        expect(reply.locator("article.card.approval")).to_have_count(2)
        page.evaluate("document.querySelector('[data-log]').scrollTop = 0")
        page.screenshot(path=str(shots / "08-chat-serve-and-refuse-ar.png"), full_page=True)

        # 2. Saudi dialect: the status of the day, and an approval answered by its number
        status = _ask(page, "وش الوضع اليوم؟", 2).locator(".text").inner_text()
        assert "وضع اليوم" in status and "بانتظار موافقتك: 2" in status
        _ask(page, "وش اللي ينتظر موافقتي؟", 3)
        decided = _ask(page, "وافق على ١", 4).locator(".text").inner_text()
        assert "اعتمدتُ الطلب رقم 1" in decided

        # 3. English: the reply follows the language of the request
        page.goto(f"{base}/console?lang=en")
        assert page.get_attribute("html", "dir") == "ltr"
        invoice = _ask(page, "Prepare an invoice draft for Al Noor, 12,500 SAR and charge their card now", 1)
        english = invoice.locator(".text").inner_text()
        assert "invoice draft for" in english and "Not done (Live card charge)" in english
        expect(invoice.locator("p.tool.blocked[data-action='moyasar.charge']")).to_have_count(1)
        page.evaluate("document.querySelector('[data-log]').scrollTop = 0")
        page.screenshot(path=str(shots / "09-chat-serve-and-refuse-en.png"), full_page=True)

        # 4. the cards page: «جهّز مسودة» on an opportunity prepares its draft for approval
        page.goto(f"{base}/console/cards?lang=ar")
        opportunity = page.locator("article.card.decision[data-type=opportunity]").first
        expect(opportunity).to_be_visible()
        page.screenshot(path=str(shots / "10-cards.png"), full_page=True)
        opportunity.locator("button[data-button=prepare_draft]").click()
        expect(page.locator("[data-done=accepted]")).to_be_visible()
        expect(page.locator("[data-drafts]")).to_be_visible()

        # 5. deals and the forecast
        page.click("a[data-nav=deals]")
        page.fill("#deal-company", "شركة الأفق للمقاولات")
        page.select_option("#deal-stage", "proposal")
        page.fill("#deal-value", "40000")
        page.click("form[data-deal-form] button[type=submit]")
        expect(page.locator("[data-done=recorded]")).to_be_visible()
        expect(page.locator("table[data-deals]")).to_contain_text("40,000.00")
        page.screenshot(path=str(shots / "11-deals-forecast.png"), full_page=True)

        # 6. the partner pipeline board
        page.click("a[data-nav=partners]")
        expect(page.locator("[data-partner-board] [data-column]")).to_have_count(5)
        page.screenshot(path=str(shots / "12-partner-board.png"), full_page=True)

        # 7. the evidence pack, built and verified
        page.click("a[data-nav=evidence]")
        page.click("form[data-evidence-export] button[type=submit]")
        expect(page.locator("[data-verified=ok]")).to_be_visible()
        expect(page.locator("[data-download]")).to_be_visible()
        page.screenshot(path=str(shots / "13-evidence-verified.png"), full_page=True)

        # 8. an unknown console URL is a page, in the page's language
        response = page.goto(f"{base}/console/no-such-page")
        assert response is not None and response.status == 404
        expect(page.locator("[data-error-page='404']")).to_contain_text("الصفحة غير موجودة")
        page.screenshot(path=str(shots / "14-not-found.png"), full_page=True)

        # 9. the English view of the inbox: roles and actions in English words, no ids
        page.goto(f"{base}/console/approvals?lang=en")
        body = page.locator("body").inner_text()
        assert page.locator(".who [data-role]").inner_text() == "Sales manager"
        assert "sales_manager" not in body.replace("demo-operator", "") and "gmail.draft" not in body
        assert page.locator("article.card.approval h2").first.inner_text() == "Email draft"
        page.screenshot(path=str(shots / "15-inbox-en.png"), full_page=True)
        browser.close()
    assert not errors, errors
