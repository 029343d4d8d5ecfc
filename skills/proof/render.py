"""Proof pack renderers: JSON, Markdown and a self-contained RTL HTML page (PDF: ``pdf.py``).

The HTML environment autoescapes everything; the Markdown one escapes every value that did not
come from our own templates (a tenant name or a label could hold markup). Templates live in
``skills/proof/templates``; every word in them comes from ``data/texts.yaml``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from skills.proof.catalog import load_texts
from skills.proof.estimate import money
from skills.proof.models import ProofPack

Format = Literal["json", "md", "html", "pdf"]
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#<>!])")
_CODE_UNSAFE = re.compile(r"[^\w.:\-/ +@=]")


def md_escape(value: object) -> str:
    """Text safe inside Markdown: no markup, no HTML, no table breaks, no line breaks."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;")
    return _MD_SPECIAL.sub(lambda m: "&lt;" if m.group(1) == "<" else "&gt;" if m.group(1) == ">"
                           else "\\" + m.group(1), text)


def md_code(value: object) -> str:
    """Text for an inline code span (ids, versions, commands): one line of plain id characters."""
    return _CODE_UNSAFE.sub("_", " ".join(str(value).split()))


_FIGURE = re.compile(r"(?<![&#\w])\d(?:[\d,.]*\d)?%?")  # not inside a word or an entity such as &#39;


def figures(text: object) -> Markup:
    """HTML with every figure ("12,500", "70%") isolated left-to-right: in an RTL line a percent sign
    otherwise lands on either side of its number ("%70" beside "5%"), and a range reads backwards."""
    escaped = str(escape(str(text)))
    return Markup(_FIGURE.sub(lambda m: f'<bdi dir="ltr">{m.group(0)}</bdi>', escaped))  # noqa: S704


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """One environment: ``*.html.j2`` autoescaped, Markdown escaped by its ``md`` filter."""
    env = Environment(
        loader=PackageLoader("skills.proof", "templates"), undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["sar"] = money
    env.filters["md"] = md_escape
    env.filters["code"] = md_code
    env.filters["figures"] = figures
    return env


def render_json(pack: ProofPack) -> str:
    return pack.model_dump_json(indent=2) + "\n"


def render_markdown(pack: ProofPack) -> str:
    return _environment().get_template("pack.md.j2").render(pack=pack, t=load_texts())


def render_html(pack: ProofPack) -> str:
    return _environment().get_template("pack.html.j2").render(pack=pack, t=load_texts())


def render(pack: ProofPack, fmt: Format) -> bytes:
    """The pack in ``fmt``, as the bytes to write or serve."""
    if fmt == "json":
        return render_json(pack).encode("utf-8")
    if fmt == "md":
        return render_markdown(pack).encode("utf-8")
    if fmt == "html":
        return render_html(pack).encode("utf-8")
    from skills.proof.pdf import render_pdf  # fpdf2 and the font load only when a PDF is asked for

    return render_pdf(pack)
