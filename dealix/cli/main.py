"""The ``dealix`` command line. Each command group lives in its own module; this file only wires."""

from __future__ import annotations

import typer

from dealix.cli import registries
from dealix.cli.audit import audit_app
from dealix.cli.audit_repo import audit_repo_command
from dealix.cli.cards import cards_app
from dealix.cli.consent import consent_app
from dealix.cli.demo import demo
from dealix.cli.dlq import dlq_app
from dealix.cli.eval import eval_command
from dealix.cli.evidence import evidence_app
from dealix.cli.governance import governance_app
from dealix.cli.growth import growth_app
from dealix.cli.negotiate import negotiate
from dealix.cli.partners import partners_app
from dealix.cli.policy import policy_app
from dealix.cli.privacy import privacy_app
from dealix.cli.proof import proof_app
from dealix.cli.runtime import approvals_app, autopilot
from dealix.cli.serve import serve
from dealix.cli.support import support_app
from dealix.cli.targeting import targeting_app
from dealix.cli.users import users_app
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
app.add_typer(consent_app, name="consent")
app.add_typer(cards_app, name="cards")
app.add_typer(growth_app, name="growth")
app.command("serve")(serve)
app.add_typer(users_app, name="users")
app.command("negotiate")(negotiate)
app.add_typer(proof_app, name="proof")
app.add_typer(evidence_app, name="evidence")
app.add_typer(partners_app, name="partners")
app.add_typer(support_app, name="support")
app.command("eval")(eval_command)
app.add_typer(privacy_app, name="privacy")
app.add_typer(governance_app, name="governance")
app.add_typer(dlq_app, name="dlq")
app.command("audit-repo")(audit_repo_command)
