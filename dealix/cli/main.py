"""The ``dealix`` command line. Each command group lives in its own module; this file only wires."""

from __future__ import annotations

import typer

from dealix.cli import registries
from dealix.cli.audit import audit_app
from dealix.cli.demo import demo
from dealix.cli.policy import policy_app
from dealix.cli.runtime import approvals_app, autopilot
from dealix.cli.targeting import targeting_app
from dealix.logging import configure_logging
from dealix.settings import get_settings
from dealix.wiring import log_masker

app = typer.Typer(
    name="dealix",
    help="Dealix — governed revenue execution for Saudi B2B teams (Arabic first).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

@app.callback()
def _setup() -> None:
    """Dealix — governed revenue execution for Saudi B2B teams (Arabic first)."""
    settings = get_settings()
    configure_logging(log_masker(settings), settings.log_level)


app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.command("integrations")(registries.integrations)
app.command("skills")(registries.skills)
app.command("demo")(demo)
app.command("autopilot")(autopilot)
app.add_typer(approvals_app, name="approvals")
app.add_typer(targeting_app, name="targeting")
