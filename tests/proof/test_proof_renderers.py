"""Every renderer: JSON round-trips, Markdown and HTML keep hostile text inert, the HTML is RTL and
self-contained, and the PDF's text comes back out as Arabic in logical order."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from proof_support import HOSTILE
from pypdf import PdfReader

from skills.proof.builder import ProofPackBuilder
from skills.proof.catalog import load_texts
from skills.proof.demo import demo_ledger, demo_snapshot
from skills.proof.models import ProofPack
from skills.proof.pdf import without_harakat
from skills.proof.render import render, render_html, render_json, render_markdown

_FREE_TEXT = re.compile(r"(_ar|_en)$")
_IDS = {"tenant", "pack_id", "approval_id", "action", "audit_event", "command", "rule_id", "reason_code",
        "policy_version", "label_en"}


def _poison(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    if isinstance(value, str) and (_FREE_TEXT.search(key) or key in _IDS or key == "audit_events"):
        return f"{HOSTILE} {value}"
    return value


@pytest.fixture(scope="module")
def pack() -> ProofPack:
    return demo_snapshot().pack


@pytest.fixture(scope="module")
def hostile(pack: ProofPack) -> ProofPack:
    return ProofPack.model_validate(_poison(pack.model_dump(mode="json")))


def test_json_round_trips_to_the_same_pack(pack: ProofPack) -> None:
    assert ProofPack.model_validate_json(render_json(pack)) == pack
    assert pack.created[0].label_ar in render_json(pack)  # readable UTF-8, not \\u escapes


def test_the_demo_pack_is_deterministic() -> None:
    def fresh() -> str:
        with demo_ledger() as demo:
            built = ProofPackBuilder(demo.gateway, clock=demo.clock).build(demo.tenant, demo.period, actor="demo")
            return render_json(built)

    assert fresh() == fresh() == render_json(demo_snapshot().pack)


# ----------------------------------------------------------------------------------- HTML
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


_ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "bdi",
                 "section", "table", "thead", "tbody", "tr", "th", "td", "div", "b", "strong", "ol", "li", "code",
                 "footer"}


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_html_is_arabic_right_to_left_and_self_contained(pack: ProofPack) -> None:
    html = render_html(pack)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html dir="rtl" lang="ar">' in html
    assert "default-src 'none'" in html  # even a slip could load or run nothing
    tags = _tags(html)
    assert {t for t, _ in tags} <= _ALLOWED_TAGS
    assert not any(name in {"src", "href"} for _, attrs in tags for name, _ in attrs)
    texts = load_texts()
    for title in texts.sections.values():
        assert title in html
    assert pack.revenue_estimate.disclaimer_ar in html


def test_hostile_text_in_every_field_stays_inert_in_html(hostile: ProofPack) -> None:
    html = render_html(hostile)
    tags = _tags(html)
    assert {t for t, _ in tags} <= _ALLOWED_TAGS  # no script, img or link slipped in
    assert not any(name.startswith("on") for _, attrs in tags for name, _ in attrs)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("&lt;img src=x onerror=") >= 10


def test_hostile_text_stays_inert_in_markdown(hostile: ProofPack) -> None:
    md = render_markdown(hostile)
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "[link](javascript" not in md and "\\[link\\]" in md
    for line in md.splitlines():
        if line.startswith("| ") and "---" not in line:
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) in {4, 5, 8}, line  # 2, 3 or 6 columns: no injected cell breaks a table


def test_markdown_has_every_section_with_its_figures(pack: ProofPack) -> None:
    md = render_markdown(pack)
    texts = load_texts()
    positions = [md.index(f"## {texts.sections[s]}") for s in
                 ("created", "protected", "awaiting_approval", "revenue_estimate", "next_action", "upgrade_path",
                  "audit")]
    assert positions == sorted(positions)
    assert f"({pack.created_total})" in md and "**9,600**" in md
    assert pack.next_action.title_ar in md


# ----------------------------------------------------------------------------------- PDF
@pytest.fixture(scope="module")
def pdf_bytes(pack: ProofPack) -> bytes:
    return render(pack, "pdf")


@pytest.fixture(scope="module")
def pdf_text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_pdf_is_a_pdf_with_the_font_embedded(pdf_bytes: bytes) -> None:
    assert pdf_bytes.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 1
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts


def test_pdf_text_extracts_as_arabic_words_in_logical_order(pdf_text: str) -> None:
    texts = load_texts()
    assert without_harakat(texts.title_ar) in pdf_text
    assert without_harakat(texts.subtitle_ar).split("Dealix")[1].strip() in pdf_text
    headings = [without_harakat(texts.sections[s]) for s in
                ("created", "protected", "awaiting_approval", "revenue_estimate", "next_action", "upgrade_path",
                 "audit")]
    positions = [pdf_text.index(h) for h in headings]
    assert positions == sorted(positions)
    for phrase in ("جمادى الآخرة", "بتوقيت الرياض", without_harakat(texts.labels["by_reason"]),
                   "مسودات رسائل جاهزة للمراجعة"):
        assert phrase in pdf_text, phrase
    assert not [c for c in pdf_text if ord(c) < 32 and c != "\n"]  # no glyph without its text


def test_pdf_mixed_arabic_numbers_and_riyals_read_right_to_left(pdf_text: str, pack: ProofPack) -> None:
    # pypdf returns each right-to-left run in logical order but the runs of a line in visual order
    # (left to right). Read right to left, the line must say: likely: 9,600 riyal (from 6,420 riyal to
    # 14,430 riyal): a range in words, never "6,420–14,430", which an RTL line lays out backwards.
    line = next(line for line in pdf_text.splitlines() if "التقدير المرجح" in line)
    order = [line.index(part) for part in ("14,430", "إلى", "6,420", "من", "9,600", "التقدير المرجح")]
    assert order == sorted(order), line
    assert "–" not in line
    assert "024,6" not in line and "006,9" not in line  # digits are never mirrored


def test_pdf_renders_hostile_text_as_plain_text(pack: ProofPack) -> None:
    hostile = pack.model_copy(update={"tenant": HOSTILE, "next_action": pack.next_action.model_copy(
        update={"title_ar": HOSTILE})})
    data = render(hostile, "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert text.count("alert(1)") >= 2
    assert b"/JavaScript" not in data and b"/JS " not in data and b"/URI" not in data


def test_pdf_output_is_deterministic(pack: ProofPack, pdf_bytes: bytes) -> None:
    assert render(pack, "pdf") == pdf_bytes
