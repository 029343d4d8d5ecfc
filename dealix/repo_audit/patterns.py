"""Forbidden patterns: code that would scrape, auto-DM, send cold WhatsApp, send email or charge
live, bypass the gateway; live flags on by default; secrets; a committed ``.env``.

Rules are data (``data/rules.yaml``). Code rules read the product code's syntax, not its words:
an import, a URL inside a string literal, a call with strings and comments blanked, a def or
class name. That is why the policy file, the guard and the tests, which *name* these things to
block them, are not findings.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import urlparse

from dealix.repo_audit.files import RepoFiles, code_only
from dealix.repo_audit.models import Finding, Rule, Rules

_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_ENV_OK_SUFFIXES = (".example", ".sample", ".template", ".dist")


def _finding(rule: Rule, path: str | None, line: int | None, detail: str, check: str = "forbidden_patterns") -> Finding:
    return Finding(check=check, rule=rule.id, category=rule.category, severity=rule.severity, path=path, line=line,
                   detail=detail, explain_en=rule.explain_en, explain_ar=rule.explain_ar, fix_en=rule.fix_en,
                   fix_ar=rule.fix_ar)


def _allowed(rule: Rule, path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in rule.allowed)


def _host_matches(host: str, hosts: list[str]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def scan_code(files: RepoFiles, rules: Rules) -> list[Finding]:
    code_rules = [r for r in rules.rules if r.kind != "secret"]
    compiled = {r.id: re.compile(r.regex) for r in code_rules if r.regex}
    found: list[Finding] = []
    for path in files.code_files():
        applicable = [r for r in code_rules if not _allowed(r, path)]
        tree = files.tree(path) if applicable else None
        if tree is None:
            continue
        facts = _Facts(tree)
        source = files.read(path) or ""
        blank: str | None = None
        for rule in applicable:
            if rule.kind == "import":
                found += [_finding(rule, path, line, module) for module, line in facts.imports
                          if any(module == m or module.startswith(m + ".") for m in rule.modules)]
            elif rule.kind == "url":
                found += [_finding(rule, path, line, url) for url, line in _urls(facts.strings)
                          if _url_matches(rule, url)]
            elif rule.kind == "name":
                found += [_finding(rule, path, line, name) for name, line in facts.names
                          if compiled[rule.id].search(name)]
            elif rule.kind == "code" and compiled[rule.id].search(source):  # cheap test on the raw text first
                blank = blank if blank is not None else code_only(source)
                found += [_finding(rule, path, blank.count("\n", 0, m.start()) + 1, m.group(0))
                          for m in compiled[rule.id].finditer(blank)]
    return found


class _Facts:
    """What the rules look at in one module, gathered in one walk of its syntax tree."""

    def __init__(self, tree: ast.Module) -> None:
        self.imports: list[tuple[str, int]] = []
        self.strings: list[tuple[str, int]] = []
        self.names: list[tuple[str, int]] = []
        prose: set[int] = set()  # docstrings and other bare string statements are prose, not code
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                prose.add(id(node.value))  # ast.walk visits a statement before its value
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in prose:
                    self.strings.append((node.value, node.lineno))
            elif isinstance(node, ast.Import):
                self.imports += [(alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                self.imports.append((node.module, node.lineno))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.names.append((node.name, node.lineno))
            elif isinstance(node, ast.Call) and _call_name(node.func) in ("__import__", "import_module") \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                self.imports.append((node.args[0].value, node.lineno))  # importlib.import_module("selenium")


def _url_matches(rule: Rule, url: str) -> bool:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if not host or _host_matches(host, rule.except_hosts) or not _host_matches(host, rule.hosts):
        return False
    return rule.path is None or re.search(rule.path, parsed.path or "") is not None


def _call_name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _urls(strings: list[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    for text, line in strings:
        for match in _URL.finditer(text):
            yield match.group(0), line


# ----------------------------------------------------------------------------- live flags
def scan_live_flags(files: RepoFiles, rules: Rules) -> list[Finding]:
    found = []
    for path in files.code_files():
        tree = files.tree(path)
        if tree is None:
            continue
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for stmt in cls.body:
                name, value = _assigned(stmt)
                if name is None or not (name.startswith("live_") or "LiveFlags" in cls.name):
                    continue
                if _is_true(value):
                    found.append(rules.finding("live_flag_default_on", check="live_flags", path=path,
                                               line=stmt.lineno, detail=f"{cls.name}.{name} = True"))
    return found


def _assigned(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    return None, None


def _is_true(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Constant):
        return value.value is True
    if isinstance(value, ast.Call):  # Field(default=True), field(default=True)
        return any(k.arg == "default" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in value.keywords) or bool(value.args and _is_true(value.args[0]))
    return False


# ----------------------------------------------------------------------------- secrets and .env
def scan_secrets(files: RepoFiles, rules: Rules) -> list[Finding]:
    secret_rules = [(r, re.compile(r.regex or "$^")) for r in rules.rules if r.kind == "secret"]
    found = []
    for path in files.text_files():
        text = files.read(path)
        if text is None:
            continue
        for rule, pattern in secret_rules:
            for match in pattern.finditer(text):
                shown = match.group(0)
                found.append(_finding(rule, path, text.count("\n", 0, match.start()) + 1,
                                      shown[:8] + "…" if len(shown) > 8 else shown, check="secrets"))
    return found


def scan_committed_env(files: RepoFiles, rules: Rules) -> list[Finding]:
    found = []
    for path in files.tracked:
        name = PurePosixPath(path).name
        parts = PurePosixPath(path).parts
        env_file = (name == ".env" or name.startswith(".env.")) and not name.endswith(_ENV_OK_SUFFIXES)
        key_file = name in ("secret.key", "id_rsa", "id_ed25519") or name.endswith((".pem", ".p12", ".key"))
        if env_file or key_file or ".dealix" in parts[:-1]:
            found.append(rules.finding("committed_env", check="committed_env", path=path, detail=name))
    return found
