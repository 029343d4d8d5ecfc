"""What a serving process does around the app: build the services before the first client, then keep
the garbage collector from stalling every request at once.

``dealix serve`` (one process or each of ``--workers N``) runs the app with :func:`serving_lifespan`:

    start ─▶ build the shared services (gateway, stores, key store) ─▶ start the job runner (dealix.jobs)
          ─▶ import what requests would load on first use (the vector memory's client)
          ─▶ gc.collect(); gc.freeze()
          ─▶ raise the young generation's threshold ─▶ serve ─▶ on shutdown, undo both

Why the collector (measured with a loop-lag probe and ``gc.callbacks``, bench/results/load.md):
after imports and start-up the process holds about 290,000 objects the cyclic collector tracks.
A full (generation 2) collection walks all of them: 210–270 ms here, with the event loop stopped.
Under 200 clients the in-flight requests' objects are promoted to the oldest generation fast
enough to trigger one every 2.5–3 s, so each pause held up every open request: the card feed's
p99 was 200–270 ms while its p50 was 25 ms. :func:`gc.freeze` moves what start-up built (modules,
classes, the app, its services), which lives as long as the process anyway, into the permanent
generation that no collection walks; a full collection then walks only what serving made since.
The higher young threshold (:data:`YOUNG_THRESHOLD` allocations rather than 700) lets most request
objects die by reference count before a collection can promote them. Cyclic garbage made after
start-up is still collected; what start-up built is freed by reference count as before.

Tests that build the app with :func:`api.app.create_app` keep the collector as it is; the serving
lifespan undoes its changes on shutdown, so a TestClient around a served app leaves the test
process as it found it.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.deps import app_services, settings_of
from graphs.warm import warm_up

YOUNG_THRESHOLD = 10_000  # CPython's default is 700: a young collection every 700 net allocations

@contextmanager
def frozen_startup_heap(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[int]:
    """Freeze what exists now (after a full collection) and raise the young threshold; undo on exit.

    Yields how many objects were frozen."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, *thresholds[1:])
    try:
        yield gc.get_freeze_count()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@asynccontextmanager
async def serving_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the services for the app's settings before the first request, start the scheduled jobs
    (``DEALIX_JOBS``, on by default; once across every worker), then serve with a frozen start-up heap."""
    settings = settings_of(app)
    services = app_services(app, settings)
    runner = None
    if settings.jobs:
        from dealix.jobs.runner import JobRunner

        runner = JobRunner(settings, clock=services.clock, gateway=services.gateway)
        await run_in_threadpool(runner.start)
    # What the CLI imports only when a command needs it, and what the first approvals would load side by
    # side (qdrant_client alone took 1.1 s inside the first approval): before the freeze, since it lives
    # as long as the process (graphs.warm).
    await run_in_threadpool(warm_up, settings)
    try:
        with frozen_startup_heap():
            yield
    finally:
        if runner is not None:
            await run_in_threadpool(runner.stop)


def create_served_app() -> FastAPI:
    """The factory ``dealix serve --workers N`` gives uvicorn: each worker builds its app from the environment."""
    from api.app import create_app

    return create_app(serving=True)
