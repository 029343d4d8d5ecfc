"""``dealix audit-repo``: the repository architecture audit (same as scripts/repo_architecture_audit.py).

Exit codes: 0 no critical or high finding (and the score is at least ``--min-score``); 1 otherwise;
2 when the root is not a Dealix tree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dealix.cli.output import print_json, stdout
from dealix.repo_audit import AuditReport, audit_repo, render_text
from dealix.settings import get_settings


def exit_code(report: AuditReport, min_score: float | None) -> int:
    if report.counts.get("critical", 0) or report.counts.get("high", 0):
        return 1
    if min_score is not None and report.scores.launch_readiness_score < min_score:
        return 1
    return 0


def audit_repo_command(
    root: Annotated[Path, typer.Option("--root", help="The tree to audit (default: the current directory).")] = Path(),
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of the summary.")] = False,
    json_file: Annotated[Path | None, typer.Option("--json-file", help="Also write the JSON report here.")] = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Fail below this launch readiness.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Record the result as a repo.audit decision "
                                                            "(skill repo_auditor) in the audit log.")] = False,
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant for --record.")] = "default",
) -> None:
    """Check the repository against its architecture: modules, tests, routes, forbidden patterns, docs."""
    if not (root / "pyproject.toml").is_file():
        stdout().print(f"لا يبدو أن {root} مستودع Dealix (لا يوجد pyproject.toml).", markup=False)
        raise typer.Exit(code=2)
    report = audit_repo(root.resolve())
    data = report.model_dump(mode="json")
    if json_file is not None:
        json_file.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if json_out:
        print_json(data)
    else:
        stdout().out(render_text(report), highlight=False)
    if record:
        _record(report, tenant)
    raise typer.Exit(code=exit_code(report, min_score))


def _record(report: AuditReport, tenant: str) -> None:
    from dealix.wiring import build_gateway
    from tools.models import ToolCall

    gateway = build_gateway(get_settings())
    gateway.invoke(ToolCall(tenant=tenant, skill="repo_auditor", action="repo.audit", tool_call_id="audit-repo",
                            args={"scores": report.scores.model_dump(), "counts": report.counts,
                                  "rules": sorted({f.rule for f in report.findings})}))
