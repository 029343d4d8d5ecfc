"""Policy coverage, integration metadata and card buttons, read from the files themselves.

Everything here reads YAML and Python syntax, not the installed packages, so it audits any tree
(the repository, a copy, a fixture with planted violations) the same way.
"""

from __future__ import annotations

import ast
import fnmatch
import json
from typing import Any

import yaml

from dealix.repo_audit.files import RepoFiles
from dealix.repo_audit.models import Architecture, Check, Finding, Rules

_PHASES = {"mvp", "beta", "ga", "later"}
_RISKS = {"low", "medium", "high"}


def _yaml(files: RepoFiles, rel: str) -> Any:
    text = files.read(rel)
    try:
        return yaml.safe_load(text) if text is not None else None
    except yaml.YAMLError:
        return None


def connector_actions(files: RepoFiles, connectors_dir: str) -> dict[str, tuple[str, int]]:
    """action id -> (file, line) for every connector class declaring ``action = "..."``."""
    found: dict[str, tuple[str, int]] = {}
    for path in files.tracked:
        if not (path.startswith(connectors_dir + "/") and path.endswith(".py")):
            continue
        tree = files.tree(path)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)) if tree else ():
            for stmt in cls.body:
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                    stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None)
                value = stmt.value if isinstance(stmt, ast.AnnAssign | ast.Assign) else None
                if isinstance(target, ast.Name) and target.id == "action" and isinstance(value, ast.Constant) \
                        and isinstance(value.value, str):
                    found[value.value] = (path, stmt.lineno)
    return found


def check_policy(files: RepoFiles, spec: Architecture, rules: Rules) -> tuple[list[Check], list[Finding]]:
    policy = _yaml(files, spec.policy_file) or {}
    actions: dict[str, dict[str, Any]] = policy.get("actions") or {}
    patterns = [p.get("pattern", "") for p in policy.get("blocked_patterns") or [] if isinstance(p, dict)]
    findings: list[Finding] = []

    connectors = connector_actions(files, spec.connectors_dir)
    for action, (path, line) in sorted(connectors.items()):
        if action not in actions:
            findings.append(rules.finding("connector_without_policy", check="policy_coverage", path=path, line=line,
                                          detail=action))
    covered = len(connectors) - len(findings)

    skills = _yaml(files, "skills/data/skills.yaml") or {}
    declared = {a for s in skills.get("skills") or [] if isinstance(s, dict) for a in s.get("allowed_actions") or []}
    unknown = sorted(a for a in declared if a not in actions and not _blocked(a, patterns))
    findings += [rules.finding("skill_action_without_policy", check="policy_coverage", path="skills/data/skills.yaml",
                               detail=a) for a in unknown]

    unsafe = [(a, why) for a, rule in sorted(actions.items()) if (why := _unsafe(a, rule, patterns))]
    findings += [rules.finding("unsafe_policy_rule", check="policy_rules", path=spec.policy_file, detail=f"{a}: {why}")
                 for a, why in unsafe]
    checks = [
        Check(name="policy_coverage", group="safety", passed=covered + len(declared) - len(unknown),
              total=len(connectors) + len(declared), findings=len(connectors) - covered + len(unknown)),
        Check(name="policy_rules", group="safety", passed=len(actions) - len(unsafe), total=max(len(actions), 1),
              findings=len(unsafe)),
    ]
    return checks, findings


def _blocked(action: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(action, p) for p in patterns)


def _unsafe(action: str, rule: dict[str, Any], patterns: list[str]) -> str | None:
    """Why a sending / inserting / charging action is looser than the house rules allow, if it is."""
    mode = rule.get("mode")
    if _blocked(action, patterns) or mode == "blocked":
        return None
    whatsapp_send = action.startswith("whatsapp.") and action.endswith("send")
    if whatsapp_send and (mode != "approval_required" or not rule.get("requires_opt_in")
                          or rule.get("live_flag") != "whatsapp"):
        return "WhatsApp send without approval_required + requires_opt_in + live_flag"
    if action.endswith(".send") and not action.startswith("whatsapp."):
        return "a live send that is not blocked"
    if action.endswith((".charge", ".capture", ".payout")):
        return "a live charge that is not blocked"
    if action.endswith(".insert") and (mode != "approval_required" or not rule.get("live_flag")):
        return "an insert without approval_required + live_flag"
    if action.split(".", 1)[0] in ("linkedin", "social") or action.endswith((".scrape", ".auto_dm")):
        return "social automation that is not blocked"
    return None


def check_integrations(files: RepoFiles, spec: Architecture, rules: Rules) -> tuple[list[Check], list[Finding]]:
    data = _yaml(files, spec.integrations_file) or {}
    entries = [e for e in data.get("integrations") or [] if isinstance(e, dict)]
    findings = []
    for entry in entries:
        missing = [f for f, allowed in (("launch_phase", _PHASES), ("risk_level", _RISKS))
                   if entry.get(f) not in allowed]
        if missing:
            findings.append(rules.finding("integration_metadata", check="integrations", path=spec.integrations_file,
                                          detail=f"{entry.get('name', '?')}: {', '.join(missing)}"))
    return [Check(name="integrations", group="safety", passed=len(entries) - len(findings), total=len(entries),
                  findings=len(findings))], findings


def check_cards(files: RepoFiles, spec: Architecture, rules: Rules) -> tuple[list[Check], list[Finding]]:
    """The Card model caps buttons at ``max_buttons``; no card fixture carries more."""
    cap = spec.cards.max_buttons
    findings: list[Finding] = []
    checked = 0
    tree = files.tree(spec.cards.model)
    if tree is not None:
        checked += 1
        limit = _buttons_limit(tree)
        if limit is None or limit > cap:
            findings.append(rules.finding("card_buttons", check="cards", path=spec.cards.model,
                                          detail=f"Card.buttons max_length = {limit}"))
    for path in files.tracked:
        if not any(path.startswith(d.rstrip("/") + "/") for d in spec.cards.data):
            continue
        if not path.endswith((".yaml", ".yml", ".json")):
            continue
        text = files.read(path) or ""
        try:
            data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            continue
        checked += 1
        for where, count in _button_lists(data, "$"):
            if count > cap:
                findings.append(rules.finding("card_buttons", check="cards", path=path,
                                              detail=f"{where}: {count} buttons"))
    return [Check(name="cards", group="safety", passed=max(checked - len(findings), 0), total=checked,
                  findings=len(findings), note="" if checked else "no card model or fixtures")], findings


def _buttons_limit(tree: ast.Module) -> int | None:
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)
                 and isinstance(n.value.value, int)}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Card"):
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "buttons" \
                    and isinstance(stmt.value, ast.Call):
                for keyword in stmt.value.keywords:
                    if keyword.arg == "max_length":
                        if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, int):
                            return keyword.value.value
                        if isinstance(keyword.value, ast.Name):
                            return constants.get(keyword.value.id)
    return None


def _button_lists(data: Any, where: str) -> list[tuple[str, int]]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "buttons" and isinstance(value, list):
                found.append((f"{where}.buttons", len(value)))
            found += _button_lists(value, f"{where}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _button_lists(value, f"{where}[{i}]")
    return found
