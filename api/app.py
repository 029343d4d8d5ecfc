"""The FastAPI application factory. Nothing is built at import: call :func:`create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from api.routers import targeting


def create_app() -> FastAPI:
    app = FastAPI(title="Dealix API", version="0.1.0")
    targeting.install(app)
    return app
