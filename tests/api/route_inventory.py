"""Every route of an app with its full path, through FastAPI's lazily included routers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts


def all_routes(app: FastAPI) -> list[RouteContext]:
    return list(iter_route_contexts(app.routes))
