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
) -> None:
    """Serve everything with uvicorn; seeds a demo tenant (sample leads) and prints its key."""
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
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
