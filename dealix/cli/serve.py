"""``dealix serve``: the API, the operator console and the public pages on embedded defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from dealix.cli.output import stdout
from dealix.settings import get_settings


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Seed the demo tenant and print a demo key.")] = True,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                         help="Worker processes. More than one needs every worker to share the "
                                              "data dir; with DEALIX_DATABASE_URL they share PostgreSQL.")] = 1,
) -> None:
    """Serve everything with uvicorn; seeds a demo tenant (sample leads) and prints its key.

    With ``--workers N`` uvicorn starts N processes, each building the app from the environment
    (``api.app:create_app`` as a factory), so every setting must come from ``DEALIX_*`` variables.
    """
    import uvicorn

    from api.app import create_app
    from api.seed import seed_demo

    settings = get_settings()
    console = stdout()
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    if demo:
        seeded = seed_demo(settings)
        console.print(f"Dealix · {base}/  ·  لوحة التشغيل · console {base}/console  ·  API {base}/docs",
                      markup=False, highlight=False, soft_wrap=True)
        console.print(f"مفتاح تجريبي · demo key ({seeded.tenant} / {seeded.role.value}): {seeded.key}",
                      markup=False, highlight=False, soft_wrap=True)
        if seeded.leads_imported:
            console.print(f"استُورد {seeded.leads_imported} عميلاً تجريبياً · {seeded.leads_imported} sample leads",
                          markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(f"Dealix · {base}/", markup=False, highlight=False, soft_wrap=True)
    # Access lines are INFO and the level is warning: with access_log off uvicorn does not even format them.
    if workers == 1:
        uvicorn.run(create_app(settings, serving=True), host=host, port=port, log_level="warning", access_log=False)
    else:  # each worker process imports and builds its own app (and its own store connections)
        # A worker answers the supervisor's health check only once its interpreter is up; importing the
        # app and building its services take seconds on a busy 2-core host, and uvicorn's default 5 s
        # would restart it forever.
        uvicorn.run("api.serving:create_served_app", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", access_log=False, timeout_worker_healthcheck=60)
