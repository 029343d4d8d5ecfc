"""The tree against the architecture: modules, tests, backend and frontend surfaces, docs, and
whether what the docs name (``dealix`` commands, ``scripts/``, ``docs/`` files) exists."""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from dealix.repo_audit.files import RepoFiles
from dealix.repo_audit.models import Architecture, Check, Finding, Rules

_FENCE = re.compile(r"```.*?```", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_COMMAND = re.compile(r"(?:^|[\s/(])dealix ([a-z][a-z0-9-]*)(?: ([a-z][a-z0-9-]*))?")
_FILE_REF = re.compile(r"\b((?:scripts|docs)/[A-Za-z0-9_.\-/]+\.(?:py|md))\b")


def _has_tests(files: RepoFiles, rel: str) -> bool:
    path = files.root / rel
    if path.is_file():
        return True
    return path.is_dir() and any(path.rglob("test_*.py"))


def check_layout(files: RepoFiles, spec: Architecture, rules: Rules) -> tuple[list[Check], list[Finding]]:
    findings: list[Finding] = []
    missing_top = [p for p in spec.top_level if not files.exists(p)]
    missing_core = [m.path for m in spec.core_modules if not files.exists(m.path)]
    findings += [rules.finding("missing_module", check="modules_present", path=p) for p in missing_top + missing_core]
    untested = [m for m in spec.core_modules if files.exists(m.path) and not all(_has_tests(files, t) for t in m.tests)]
    findings += [rules.finding("missing_tests", check="tests_for_core_modules", path=m.path,
                               detail=", ".join(t for t in m.tests if not _has_tests(files, t))) for m in untested]
    missing_backend = [p for p in spec.backend if not files.exists(p)]
    findings += [rules.finding("missing_module", check="backend_modules", path=p) for p in missing_backend]
    missing_front = [s for s in spec.frontend if not files.exists(s.path)]
    findings += [rules.finding("missing_surface", check="frontend_surfaces", path=s.path, detail=s.what)
                 for s in missing_front]
    core_total = len(spec.top_level) + len(spec.core_modules)
    return [
        Check(name="modules_present", group="backend", passed=core_total - len(missing_top) - len(missing_core),
              total=core_total, findings=len(missing_top) + len(missing_core)),
        Check(name="backend_modules", group="backend", passed=len(spec.backend) - len(missing_backend),
              total=len(spec.backend), findings=len(missing_backend)),
        Check(name="tests_for_core_modules", group="tests", passed=len(spec.core_modules) - len(untested)
              - len(missing_core), total=len(spec.core_modules), findings=len(untested)),
        Check(name="frontend_surfaces", group="frontend", passed=len(spec.frontend) - len(missing_front),
              total=len(spec.frontend), findings=len(missing_front)),
    ], findings


def check_docs(files: RepoFiles, spec: Architecture, rules: Rules) -> tuple[list[Check], list[Finding]]:
    findings: list[Finding] = []
    missing = [d for d in spec.docs if not files.exists(d)]
    findings += [rules.finding("missing_doc", check="docs_present", path=d) for d in missing]
    commands = cli_commands(files, spec.cli_main)
    refs = 0
    for doc in [d for d in (*spec.docs, "README.md") if files.exists(d)]:
        for line, ref in _references(files.read(doc) or ""):
            refs += 1
            problem = _stale(files, commands, ref)
            if problem:
                findings.append(rules.finding("stale_doc_reference", check="docs_references", path=doc, line=line,
                                              detail=problem))
    stale = sum(1 for f in findings if f.rule == "stale_doc_reference")
    return [
        Check(name="docs_present", group="docs", passed=len(spec.docs) - len(missing), total=len(spec.docs),
              findings=len(missing)),
        Check(name="docs_references", group="docs", passed=refs - stale, total=max(refs, 1), findings=stale),
    ], findings


def _references(text: str) -> list[tuple[int, str]]:
    """(line, code text) of every fenced block line and inline code span."""
    found: list[tuple[int, str]] = []
    for block in _FENCE.finditer(text):
        first = text.count("\n", 0, block.start()) + 1
        found += [(first + i, line) for i, line in enumerate(block.group(0).splitlines())]
    rest = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for span in _INLINE.finditer(rest):
        found.append((rest.count("\n", 0, span.start()) + 1, span.group(1)))
    return found


def _stale(files: RepoFiles, commands: dict[str, set[str]], code: str) -> str | None:
    for match in _COMMAND.finditer(code):
        command, sub = match.group(1), match.group(2)
        if command not in commands:
            return f"dealix {command}"
        if sub and commands[command] and sub not in commands[command]:
            return f"dealix {command} {sub}"
    for match in _FILE_REF.finditer(code):
        if not files.exists(match.group(1)):
            return match.group(1)
    return None


def cli_commands(files: RepoFiles, cli_main: str) -> dict[str, set[str]]:
    """Top-level command -> its subcommands (empty set for a plain command), from the CLI's syntax."""
    tree = files.tree(cli_main)
    if tree is None:
        return {}
    sources: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.module.startswith("dealix.cli."):
            for alias in stmt.names:
                sources[alias.asname or alias.name] = stmt.module.replace(".", "/") + ".py"
    commands: dict[str, set[str]] = defaultdict(set)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "add_typer" and node.args and isinstance(node.args[0], ast.Name):
            name = _keyword(node, "name")
            if name:
                commands[name] |= _subcommands(files, sources.get(node.args[0].id), node.args[0].id)
        elif node.func.attr == "command" and node.args and isinstance(node.args[0], ast.Constant):
            commands.setdefault(str(node.args[0].value), set())
    return dict(commands)


def _keyword(call: ast.Call, name: str) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return None


def _subcommands(files: RepoFiles, module: str | None, app_name: str) -> set[str]:
    tree = files.tree(module) if module else None
    found: set[str] = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "command" \
                        and isinstance(deco.func.value, ast.Name) and deco.func.value.id == app_name:
                    arg = deco.args[0] if deco.args and isinstance(deco.args[0], ast.Constant) else None
                    found.add(str(arg.value) if arg is not None else node.name.replace("_", "-"))
    return found
