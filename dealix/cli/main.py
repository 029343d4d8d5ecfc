"""The ``dealix`` command line. Each command group lives in its own module; this file only wires.

The modules are imported when their command runs, not at start-up: between them they pull in
langgraph, pydantic-ai, scipy and langsmith (about 3 s), which ``dealix --help`` or
``dealix policy check`` never use. The top-level help lists each command from the short help
kept here; ``tests/test_cli_startup.py`` checks that it matches the command's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click  # typer 0.29 vendors click: its contexts and errors are these classes
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives: ``module:attribute`` (a ``typer.Typer`` group or a command function)."""

    module: str
    attribute: str
    help: str


COMMANDS: dict[str, LazyCommand] = {
    "integrations": LazyCommand("dealix.cli.registries", "integrations",
                                "List the integrations Dealix knows, with their phase, risk and safe default."),
    "skills": LazyCommand("dealix.cli.registries", "skills",
                          "List the registered skills, their owner, risk and the actions each may ask for."),
    "demo": LazyCommand("dealix.cli.demo", "demo",
                        "The autopilot on the bundled sample leads (ranked targets, drafts, pending approvals, "
                        "blocked attempts), then the gateway walkthrough (blocked actions, drafts, approvals "
                        "executed once)."),
    "autopilot": LazyCommand("dealix.cli.runtime", "autopilot",
                             "Import the leads through the Targeting OS, then draft for today's top N and ask for "
                             "approvals."),
    "serve": LazyCommand("dealix.cli.serve", "serve",
                         "Serve everything with uvicorn; seeds a demo tenant (sample leads) and prints its key."),
    "negotiate": LazyCommand("dealix.cli.negotiate", "negotiate",
                             "Classify one objection and answer it: class, confidence, reply and close plan "
                             "(nothing is sent)."),
    "eval": LazyCommand("dealix.cli.eval", "eval_command",
                        "Run the agent eval suites (offline by default), write reports and enforce the gates."),
    "audit-repo": LazyCommand("dealix.cli.audit_repo", "audit_repo_command",
                              "Check the repository against its architecture: modules, tests, routes, forbidden "
                              "patterns, docs."),
    "policy": LazyCommand("dealix.cli.policy", "policy_app", "The action policy: what agents may do, and why."),
    "audit": LazyCommand("dealix.cli.audit", "audit_app", "The tamper-evident audit log."),
    "approvals": LazyCommand("dealix.cli.runtime", "approvals_app",
                             "Pending approvals: list them, and decide one (approve, reject, edit)."),
    "targeting": LazyCommand("dealix.cli.targeting", "targeting_app",
                             "Targeting OS: import leads safely, dedupe, check contactability and rank targets."),
    "consent": LazyCommand("dealix.cli.consent", "consent_app",
                           "Consent: record opt-ins and opt-outs (PDPL), audited; show a contact's consent."),
    "cards": LazyCommand("dealix.cli.cards", "cards_app",
                         "Decision cards: a role's feed, a decision on a card, its WhatsApp rendering."),
    "growth": LazyCommand("dealix.cli.growth", "growth_app",
                          "Self-growth loop: the daily plan, experiments and the weekly learning report."),
    "users": LazyCommand("dealix.cli.users", "users_app",
                         "API keys: one per user, with its tenant and role (the key is shown once)."),
    "proof": LazyCommand("dealix.cli.proof", "proof_app",
                         "Proof packs: what Dealix created, protected and left for your decision."),
    "evidence": LazyCommand("dealix.cli.evidence", "evidence_app",
                            "Evidence packs: audit events, work units and ledger entries you can verify."),
    "partners": LazyCommand("dealix.cli.partners", "partners_app",
                            "Partner OS: suggestions, scorecards, offers, meeting briefs, revenue."),
    "support": LazyCommand("dealix.cli.support", "support_app",
                           "Customer Ops: ticket classification, SLA (Saudi business time), churn risk."),
    "privacy": LazyCommand("dealix.cli.privacy", "privacy_app",
                           "PDPL rights: export or erase everything held about one contact."),
    "governance": LazyCommand("dealix.cli.governance", "governance_app",
                              "Governance: approval SLAs, contradictions, Saudi compliance, executive room."),
    "dlq": LazyCommand("dealix.cli.dlq", "dlq_app",
                       "Dead-letter queue: failed connector executions — list, retry with backoff, discard."),
    "jobs": LazyCommand("dealix.cli.jobs", "jobs_app",
                        "Scheduled jobs: approval SLA sweep, dead-letter retries, daily plans."),
}


def load_command(name: str) -> click.Command:
    """Import the module of one top-level command and build its click command."""
    import importlib

    entry = COMMANDS[name]
    target: Any = getattr(importlib.import_module(entry.module), entry.attribute)
    # Registered on a throw-away parent exactly as ``add_typer``/``command`` would on the root, so the
    # command is built the same way (no completion options of its own).
    parent = typer.Typer(add_completion=False)
    parent.callback()(_no_op)
    if isinstance(target, typer.Typer):
        parent.add_typer(target, name=name)
    else:
        parent.command(name)(target)
    group = typer.main.get_command(parent)
    if not isinstance(group, TyperGroup):
        raise TypeError(f"{entry.module}:{entry.attribute} did not build a command")
    command: click.Command = group.commands[name]
    return command


def _no_op() -> None:
    """The throw-away parent's callback (it makes the parent a group)."""


class LazyGroup(TyperGroup):
    """A typer group whose top-level commands are imported on first use."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the help page: a stand-in carrying the short help, nothing imported
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].help)
        command = load_command(cmd_name)
        self.commands[cmd_name] = command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            # typer suggests only among the commands already loaded; suggest among all of them.
            from difflib import get_close_matches

            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in error.message:
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="dealix",
    cls=LazyGroup,
    help="Dealix — governed revenue execution for Saudi B2B teams (Arabic first).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _setup() -> None:
    """Dealix — governed revenue execution for Saudi B2B teams (Arabic first)."""
    from dealix.logging import configure_logging
    from dealix.settings import get_settings
    from dealix.wiring import log_masker

    settings = get_settings()
    configure_logging(log_masker(settings), settings.log_level)


if __name__ == "__main__":
    app()
