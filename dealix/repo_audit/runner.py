"""Runs every check of the repo audit over one tree and renders the result.

    audit_repo(root) ─▶ AuditReport {checks, findings, scores, next_actions, counts}
    render_text(report) ─▶ the human summary (Arabic first, every finding explained)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dealix.repo_audit import coverage, layout, patterns
from dealix.repo_audit.files import RepoFiles
from dealix.repo_audit.models import SEVERITY_ORDER, AuditReport, Check, Finding, load_architecture, load_rules
from dealix.repo_audit.routes import RouteInfo, build_routes, check_routes
from dealix.repo_audit.scores import next_actions, scores

_AUTO: list[RouteInfo] = []


def audit_repo(root: Path, *, routes: list[RouteInfo] | None = _AUTO) -> AuditReport:
    """Audit the tree at ``root``. ``routes``: the app's routes (default: build the app and list them)."""
    spec, rules = load_architecture(), load_rules()
    files = RepoFiles(root, rules)
    checks: list[Check] = []
    findings: list[Finding] = []

    for produce in (layout.check_layout, layout.check_docs, coverage.check_policy, coverage.check_integrations,
                    coverage.check_cards):
        more_checks, more_findings = produce(files, spec, rules)
        checks += more_checks
        findings += more_findings

    why = ""
    if routes is _AUTO:
        routes, why = build_routes(root)
    more_checks, more_findings = check_routes(files, spec, rules, routes, why or "routes not given")
    checks += more_checks
    findings += more_findings

    code = patterns.scan_code(files, rules)
    findings += code
    categories = sorted({r.category for r in rules.rules if r.kind != "secret"})
    per_category = Counter(f.category for f in code)
    checks += [Check(name=f"no_{c}", group="safety", passed=0 if per_category[c] else 1, total=1,
                     findings=per_category[c]) for c in categories]
    for name, scan in (("live_flags", patterns.scan_live_flags), ("committed_env", patterns.scan_committed_env)):
        found = scan(files, rules)
        findings += found
        checks.append(Check(name=name, group="safety", passed=0 if found else 1, total=1, findings=len(found)))
    secrets = patterns.scan_secrets(files, rules)
    findings += secrets
    checks.append(Check(name="secrets", group="safety", passed=0 if secrets else 1, total=1, findings=len(secrets)))

    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.check, f.path or "", f.line or 0, f.detail))
    counts = Counter(f.severity for f in findings)
    return AuditReport(root=str(root), checks=checks, findings=findings, scores=scores(checks, findings, files, spec),
                       next_actions=next_actions(findings),
                       counts={s: counts.get(s, 0) for s in ("critical", "high", "medium", "low")})


def render_text(report: AuditReport) -> str:
    labels = load_rules().labels
    lines = [labels["title"], report.root, "", labels["scores"]]
    for name, value in report.scores.model_dump().items():
        lines.append(f"  {labels[name]:<18} {name:<24} {value:5.1f}")
    lines += ["", labels["checks"]]
    lines += [f"  {'✓' if c.ok else '✗'} {c.name:<28} {c.passed}/{c.total}" + (f"  ({c.note})" if c.note else "")
              for c in report.checks]
    counts = " · ".join(f"{labels[s]} {n}" for s, n in report.counts.items())
    lines += ["", f"{labels['findings']}: {counts}"]
    if not report.findings:
        lines.append("  " + labels["none"])
    for f in report.findings:
        where = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
        lines.append(f"  [{f.severity}] {f.rule} {where} {f.detail}".rstrip())
        lines.append(f"      {f.explain_ar}")
        lines.append(f"      {f.explain_en}")
    if report.next_actions:
        lines += ["", labels["next_actions"]]
        for i, action in enumerate(report.next_actions, 1):
            lines.append(f"  {i}. [{action.severity}] {action.action_ar}")
            lines.append(f"     {action.action_en} — {', '.join(action.where)}")
    return "\n".join(lines)
