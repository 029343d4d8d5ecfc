"""Rendering the console and the pages: one Jinja2 environment, autoescape on, Arabic first.

The language comes from ``?lang=ar|en`` (remembered in a cookie) and defaults to Arabic; the
templates set ``lang`` and ``dir`` from it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from api.console.texts import load_pages, ui_texts
from skills.operator.labels import label

Lang = Literal["ar", "en"]
LANG_COOKIE = "dealix_lang"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("api.console", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def lang_of(request: Request) -> Lang:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "ar"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    pages = load_pages()
    html = environment().get_template(template).render(
        lang=lang, dir="rtl" if lang == "ar" else "ltr", other_lang="en" if lang == "ar" else "ar", t=ui_texts(lang),
        nav=[(item.slug, getattr(item, lang)) for item in pages.nav], footer=getattr(pages.footer, lang),
        lbl=lambda kind, key: label(kind, key, lang),
        **{"csrf": None, "caller": None, "path": request.url.path, **context})
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    if request.query_params.get("lang") in ("ar", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", path="/", max_age=365 * 24 * 3600)
    return response
