"""The public pages: Arabic first (English on request), the blocks the issue lists, and a scan of every
page, in both languages, for guaranteed results, data-collection claims and outreach without approval."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import pytest
from api_support import make_settings
from fastapi.testclient import TestClient

from api.app import create_app
from api.console.pages import PAGE_SLUGS
from api.console.texts import load_pages
from skills.targeting.textkeys import match_key

PATHS = ["/" if slug == "index" else f"/{slug}" for slug in PAGE_SLUGS]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the whole module: the pages read no tenant data."""
    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("pages")))) as test_client:
        yield test_client

# Claims no page may make, Arabic and English; matched on normalised text (hamza, alef, taa marbuta folded).
FORBIDDEN = [
    r"guarantee", r"\bwe promise\b", r"100 ?%", r"\bsure[- ]fire\b", r"\brisk[- ]free\b",
    r"ضمان", r"مضمون", r"نضمن", r"يضمن", r"تضمن لك", r"نتايج مؤكده", r"مؤكده 100",
    r"scrap", r"crawl", r"harvest", r"كشط", r"سحب (ال)?بيانات", r"جمع (ال)?بيانات (من|عبر) (المواقع|المنصات|لينكد)",
    r"fully automat", r"automatic outreach", r"auto[- ]?send", r"sends? automatically", r"without (your )?approval",
    r"on autopilot without", r"hands[- ]free outreach",
    r"(تواصل|ارسال|ارسل|يرسل|نرسل) (ال)?(ي|ا)?ل?ي(ا)? بالكامل", r"تلقايي بالكامل", r"الي بالكامل",
    r"ارسال تلقايي", r"يرسل تلقاييا", r"دون تدخل", r"بدون موافقتك",
]


def _visible_text(page: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def _claims(text: str) -> list[str]:
    folded = match_key(text)
    return [p for p in FORBIDDEN if re.search(p, folded) or re.search(p, text.lower())]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_no_page_makes_a_forbidden_claim(client: TestClient, path: str, lang: str) -> None:
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in response.text
    assert not _claims(_visible_text(response.text)), _claims(_visible_text(response.text))


def test_the_scan_catches_claims_in_both_languages() -> None:
    for claim in ("نضمن لك زيادة المبيعات", "نتائج مضمونة", "Guaranteed pipeline growth", "we scrape LinkedIn",
                  "تواصل آلي بالكامل", "fully automatic outreach", "يرسل تلقائياً لكل العملاء",
                  "emails go out without your approval", "كشط المواقع"):
        assert _claims(claim), claim
    for fine in ("لا يُرسل أي شيء قبل موافقتك", "Nothing leaves Dealix before you approve it"):
        assert not _claims(fine), fine


def test_pages_are_arabic_first_and_have_every_section_the_issue_lists(client: TestClient) -> None:
    client.cookies.clear()  # no remembered language: Arabic is the default
    index = client.get("/")
    assert '<html lang="ar" dir="rtl">' in index.text and "أبراج الخدمة" in index.text
    texts = {path: client.get(f"{path}?lang=ar").text for path in PATHS}
    assert "بطاقات الأدوار" in texts["/companies"] and 'class="wa-mock"' in texts["/companies"]
    assert "مسار العمل مع الوكالة" in texts["/marketers"] and "معاينة الشراكات" in texts["/marketers"]
    assert "معاينة الاستهداف" in texts["/command-center"]
    assert "نموذج حزمة أسبوعية" in texts["/proof-pack"]
    assert "أوقات الاستجابة المستهدفة" in texts["/support"]
    assert "السلامة والموافقة أولاً" in texts["/trust-center"]
    for text in texts.values():  # every page links every other, and the console
        assert all(f'href="{p}"' in text for p in PATHS) and 'href="/console"' in text


def test_a_whatsapp_decision_mock_never_shows_more_than_three_buttons(client: TestClient) -> None:
    for path in PATHS:
        for mock in re.findall(r'<div class="wa-buttons">(.*?)</div>', client.get(path).text, flags=re.S):
            assert 1 <= mock.count('class="wa-button"') <= 3
    for page in load_pages().pages.values():
        for block in page.blocks:
            assert len(getattr(block, "buttons", ())) <= 3


def test_illustrative_figures_are_labelled_as_such(client: TestClient) -> None:
    for path in ("/proof-pack", "/command-center", "/marketers"):
        text = _visible_text(client.get(f"{path}?lang=ar").text)
        assert "توضيحي" in text or "توضيحية" in text
