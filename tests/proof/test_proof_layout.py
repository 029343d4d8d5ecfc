"""The proof pack reads right to a customer: its counts add up, each category is said once, no
command-line text reaches the documents they receive, and figures keep their sign in an RTL page.

On main: "ما تمت حمايته (7)" headed categories adding up to 8 (opt-outs were a category and also a
line of the by-reason table, in two wordings), the PDF and HTML printed `dealix approvals list`, and
ranges such as "3%–15%" were laid out backwards in the HTML.
"""

from __future__ import annotations

import io
import re

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from skills.proof.catalog import load_texts
from skills.proof.demo import demo_snapshot
from skills.proof.models import ProofPack, ProtectedSection
from skills.proof.pdf import without_harakat
from skills.proof.render import figures, render, render_html, render_markdown


@pytest.fixture(scope="module")
def pack() -> ProofPack:
    return demo_snapshot().pack


def _protected_block(markdown: str) -> str:
    texts = load_texts()
    start = markdown.index(f"## {texts.sections['protected']}")
    return markdown[start:markdown.index("\n## ", start + 3)]


def test_the_protected_header_is_the_sum_of_the_categories_under_it(pack: ProofPack) -> None:
    block = _protected_block(render_markdown(pack))
    header = int(re.search(r"\((\d+)\)", block.splitlines()[0])[1])  # type: ignore[index]
    categories = [int(n) for n in re.findall(r"^- .*: \*\*(\d+)\*\*$", block, flags=re.M)]
    table = [int(n) for n in re.findall(r"^\| .* \| (\d+) \|$", block, flags=re.M)]

    assert header == sum(categories) == pack.protected.total == 7
    assert sum(table) == pack.protected.risks_blocked + pack.protected.contacts_protected


def test_each_protection_is_said_once(pack: ProofPack) -> None:
    texts = load_texts()
    for document in (render_markdown(pack), render_html(pack)):
        assert texts.labels["opt_outs_honoured"] not in document  # the table's opt-out line says it
        assert document.count(texts.protection_label("opt_out")) == 1


def test_a_section_whose_parts_do_not_add_up_is_refused() -> None:
    with pytest.raises(ValidationError):
        ProtectedSection(total=7, risks_blocked=4, contacts_protected=2, opt_outs_honoured=1,
                         deal_risks_detected=2, lines=[])


def test_customer_documents_carry_no_command_line_text(pack: ProofPack) -> None:
    assert pack.next_action.command  # the JSON keeps it for the CLI and API clients
    pdf = render(pack, "pdf")
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for document in (render_html(pack), render_markdown(pack), pdf_text):
        assert "dealix " not in document and pack.next_action.command not in document
        assert without_harakat(load_texts().labels["command"]) + ":" not in without_harakat(document)


def test_every_figure_is_isolated_left_to_right_in_the_html(pack: ProofPack) -> None:
    html = render_html(pack)
    assert '<bdi dir="ltr">70%</bdi>' in html
    # No percentage sits bare in Arabic text, where the RTL layout would show "%70".
    bare = re.findall(r"(?<!<bdi dir=\"ltr\">)\b\d+%", html.split("<body>")[1])
    assert bare == []
    assert "–" not in "".join(a.display_ar for a in pack.revenue_estimate.assumptions)  # ranges in words


def test_figures_leave_entities_and_ids_alone() -> None:
    assert str(figures("it's apr_demo_00003: 12,500 ريال × 70%.")) == (
        'it&#39;s apr_demo_00003: <bdi dir="ltr">12,500</bdi> ريال × <bdi dir="ltr">70%</bdi>.')
