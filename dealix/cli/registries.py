"""``dealix integrations`` and ``dealix skills``: show the two registries as a table or as JSON.

The main app registers these functions; this module builds no app and no console at import.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from skills.registry import SkillRegistry, load_skills
from tools.errors import PolicyError
from tools.integrations import IntegrationRegistry, load_integrations

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the registry as JSON instead of a table.")]


def _print_json(console: Console, registry: IntegrationRegistry | SkillRegistry) -> None:
    # console.out neither wraps nor marks up, so long Arabic strings stay valid JSON.
    text = json.dumps(registry.model_dump(mode="json"), ensure_ascii=False, indent=2)
    console.out(text, highlight=False)


def _fail(error: PolicyError) -> typer.Exit:
    Console(stderr=True).print(error.message_ar, markup=False, highlight=False)
    return typer.Exit(code=1)


def integrations(json_out: JsonFlag = False) -> None:
    """List the integrations Dealix knows, with their phase, risk and safe default."""
    console = Console()
    try:
        registry = load_integrations()
    except PolicyError as error:
        raise _fail(error) from error
    if json_out:
        _print_json(console, registry)
        return
    table = Table(title=f"Integrations {registry.version}", caption=f"sha256 {registry.sha256[:12]}")
    for column in ("name", "category", "phase", "risk", "safe default"):
        table.add_column(column)
    for item in registry:
        table.add_row(item.name, item.category, item.launch_phase, item.risk_level, item.safe_default)
    console.print(table)


def skills(json_out: JsonFlag = False) -> None:
    """List the registered skills, their owner, risk and the actions each may ask for."""
    console = Console()
    try:
        registry = load_skills()
    except PolicyError as error:
        raise _fail(error) from error
    if json_out:
        _print_json(console, registry)
        return
    table = Table(title=f"Skills {registry.version}", caption=f"sha256 {registry.sha256[:12]}")
    for column in ("skill_id", "owner", "risk", "actions"):
        table.add_column(column)
    for spec in registry:
        table.add_row(spec.skill_id, spec.owner, spec.risk_level, ", ".join(spec.allowed_actions))
    console.print(table)
