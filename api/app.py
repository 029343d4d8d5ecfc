"""The FastAPI application factory. Nothing is built at import: call :func:`create_app`.

Every route lives under ``/api/v1`` in one router per resource (``api/routers/<resource>.py``,
each with an ``install(app)``); the console and the public pages are HTML beside it. Errors are
problem+json (``api.errors``); request bodies are size-limited and each API key is rate-limited
(``api.limits``); every response carries the security headers (``api.headers``).
"""

from __future__ import annotations

from fastapi import FastAPI

from api import console, contract, errors
from api.fast_feed import FastFeed
from api.headers import SecurityHeaders
from api.limits import BodySizeLimit
from api.routers import approvals, audit, cards, consent, drafts, health, negotiation, targeting, threads
from api.routers import governance as governance_routes
from api.routers import growth as growth_routes
from api.routers import partners as partner_routes
from api.routers import proof as proof_routes
from api.routers import support as support_routes
from api.serving import serving_lifespan
from api.shedding import LoadShedding
from dealix.settings import Settings, get_settings
from tools.saudi_time import Clock, system_clock

DESCRIPTION = """Dealix: governed revenue execution for Saudi B2B teams, Arabic first.

Authenticate with `Authorization: Bearer dx_…` (or `X-API-Key`). Every route is scoped to the
key's tenant; approvals are checked against the key's role. Errors are `application/problem+json`
with a stable `code` and an Arabic `message_ar`."""


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock, serving: bool = False) -> FastAPI:
    """The app. ``settings`` fixes the settings for every route (tests); default: ``get_settings()``.

    ``serving=True`` is what ``dealix serve`` runs: the services are built at start-up and the
    garbage collector is tuned for the process's life (``api.serving``)."""
    limits = settings or get_settings()
    app = FastAPI(title="Dealix API", version="0.1.0", description=DESCRIPTION,
                  lifespan=serving_lifespan if serving else None)
    app.state.services = {}
    app.state.clock = clock
    app.state.card_desks = {}
    app.state.settings = settings  # read by api.deps.app_settings (a dependency override would slow every request)
    errors.install(app)
    contract.install(app)
    app.add_middleware(FastFeed)  # innermost: the card feed's cached answers (api/fast_feed.py)
    app.add_middleware(BodySizeLimit, max_body_bytes=limits.api_max_body_bytes,
                       max_upload_bytes=limits.api_max_upload_bytes)
    app.add_middleware(LoadShedding, max_inflight=limits.max_inflight)  # outside the size limit: refuses first
    app.add_middleware(SecurityHeaders)
    health.install(app)
    threads.install(app)
    approvals.install(app)
    drafts.install(app)
    audit.install(app)
    targeting.install(app)
    consent.install(app)
    cards.install(app)
    proof_routes.install(app)
    negotiation.install(app)
    growth_routes.install(app)
    partner_routes.install(app)
    support_routes.install(app)
    governance_routes.install(app)
    console.install(app)
    return app
