"""The audit's scores (0-100) and next actions. Formulas (also in docs/operations.md):

    group coverage   = 100 × Σ passed / Σ total over the group's checks
                       (frontend, backend, tests, docs; a check with total 0 counts as passed)
    safety_coverage  = 100 × safety checks with no finding / safety checks
                       (forbidden-pattern categories, live flags, secrets, committed .env, policy
                       coverage and rules, integrations, cards)
    proof_coverage   = 100 × mean of four parts: the share of revenue work unit types something
                       produces (a policy proof_impact or RWUType.<name> in product code), and
                       whether the proof package, its tests and its doc exist (1 or 0 each)
    launch_readiness = 0.30 safety + 0.20 test + 0.15 backend + 0.15 docs + 0.10 frontend + 0.10 proof,
                       then capped at 49 with any critical finding and at 79 with any high finding
    next_actions     = one per rule with findings, most severe first (at most 10), each with its
                       fix and the first places it applies
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from dealix.repo_audit.files import RepoFiles
from dealix.repo_audit.models import SEVERITY_ORDER, Architecture, Check, Finding, NextAction, Scores

WEIGHTS = {"safety": 0.30, "tests": 0.20, "backend": 0.15, "docs": 0.15, "frontend": 0.10, "proof": 0.10}
CRITICAL_CAP, HIGH_CAP = 49.0, 79.0
_RWU_REF = re.compile(r"\bRWUType\.([a-z_]+)\b")


def group_coverage(checks: list[Check], group: str) -> float:
    mine = [c for c in checks if c.group == group]
    total = sum(c.total for c in mine)
    return 100.0 if total == 0 else round(100.0 * sum(max(c.passed, 0) for c in mine) / total, 1)


def safety_coverage(checks: list[Check]) -> float:
    mine = [c for c in checks if c.group == "safety"]
    return 100.0 if not mine else round(100.0 * sum(1 for c in mine if c.findings == 0) / len(mine), 1)


def proof_coverage(files: RepoFiles, spec: Architecture) -> float:
    types = _rwu_types(files, spec.rwu_models)
    produced: set[str] = set()
    policy = files.read(spec.policy_file) or ""
    produced |= set(re.findall(r"proof_impact:\s*([a-z_]+)", policy))
    for path in files.code_files():
        if path != spec.rwu_models:
            produced |= set(_RWU_REF.findall(files.read(path) or ""))
    share = len(types & produced) / len(types) if types else 0.0
    tests = files.root / spec.proof.tests
    parts = [share, float(files.exists(spec.proof.package)), float(tests.is_dir() and any(tests.rglob("test_*.py"))),
             float(files.exists(spec.proof.docs))]
    return round(100.0 * sum(parts) / len(parts), 1)


def _rwu_types(files: RepoFiles, models: str) -> set[str]:
    tree = files.tree(models)
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RWUType") if tree else ():
        return {t.id for stmt in cls.body if isinstance(stmt, ast.Assign)
                for t in stmt.targets if isinstance(t, ast.Name)}
    return set()


def scores(checks: list[Check], findings: list[Finding], files: RepoFiles, spec: Architecture) -> Scores:
    values = {
        "frontend": group_coverage(checks, "frontend"), "backend": group_coverage(checks, "backend"),
        "safety": safety_coverage(checks), "proof": proof_coverage(files, spec),
        "tests": group_coverage(checks, "tests"), "docs": group_coverage(checks, "docs"),
    }
    readiness = sum(WEIGHTS[k] * v for k, v in values.items())
    if any(f.severity == "critical" for f in findings):
        readiness = min(readiness, CRITICAL_CAP)
    elif any(f.severity == "high" for f in findings):
        readiness = min(readiness, HIGH_CAP)
    return Scores(frontend_coverage=values["frontend"], backend_coverage=values["backend"],
                  safety_coverage=values["safety"], proof_coverage=values["proof"], test_coverage=values["tests"],
                  docs_coverage=values["docs"], launch_readiness_score=round(readiness, 1))


def next_actions(findings: list[Finding], limit: int = 10) -> list[NextAction]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    ordered = sorted(by_rule.values(), key=lambda fs: (SEVERITY_ORDER[fs[0].severity], -len(fs), fs[0].rule))
    actions = []
    for group in ordered[:limit]:
        first = group[0]
        where = [f"{f.path}:{f.line}" if f.line else (f.path or f.detail) for f in group[:5]]
        actions.append(NextAction(severity=first.severity, rule=first.rule, action_en=first.fix_en or first.explain_en,
                                  action_ar=first.fix_ar or first.explain_ar, where=where))
    return actions
