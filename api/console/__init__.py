"""The operator console (``/console``) and the public pages: server-rendered Jinja2 (autoescape on),
one small static script for streaming, no CDN."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Mount the console, the public pages and their static files."""
    from api.console import governance_views, leads_views, pages, routes

    routes.install(app)
    governance_views.install(app)
    leads_views.install(app)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(resources.files("api.console").joinpath("static"))),
              name="static")
