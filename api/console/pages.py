"""The public pages, Arabic first: index, companies, marketers, services, command-center, proof-pack,
support, trust-center. Content is data (``data/pages.yaml``); one template renders every page.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console.render import lang_of, render
from api.console.texts import load_pages, localize

PAGE_SLUGS = ("index", "companies", "marketers", "services", "command-center", "proof-pack", "support",
              "trust-center")

router = APIRouter(include_in_schema=False)


def _page_view(slug: str) -> Callable[[Request], Response]:
    def view(request: Request) -> Response:
        pages = load_pages()
        lang = lang_of(request)
        return render(request, "page.html", page=localize(pages.pages[slug], lang),
                      cta=localize(pages.cta, lang), current="" if slug == "index" else slug)

    view.__name__ = f"page_{slug.replace('-', '_')}"
    return view


for _slug in PAGE_SLUGS:
    router.add_api_route("/" if _slug == "index" else f"/{_slug}", _page_view(_slug), methods=["GET"],
                         response_class=HTMLResponse, name=f"page_{_slug}")
