"""The operator console (``/console``) and the public pages: server-rendered Jinja2 (autoescape on),
one small static script for streaming, no CDN."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Mount the console, the public pages and their static files."""
    from api.console import desk_views, errors, governance_views, leads_views, pages, routes

    routes.install(app)
    governance_views.install(app)
    leads_views.install(app)
    desk_views.install(app)
    app.include_router(errors.not_found_router)  # last: any other /console URL is a 404 page
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(resources.files("api.console").joinpath("static"))),
              name="static")
