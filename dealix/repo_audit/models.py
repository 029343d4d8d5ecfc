"""The repo audit's findings, checks, scores and report, and the loader of its two data files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}
RuleKind = Literal["import", "url", "code", "name", "secret"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Frozen):
    """One thing wrong, where, and what to do about it."""

    check: str = Field(description="The check that found it, e.g. 'forbidden_patterns'.")
    rule: str = Field(description="Stable id of the rule, e.g. 'social_endpoint'.")
    category: str = Field(description="What kind of harm: scraping, secrets, tests, routes, ...")
    severity: Severity
    path: str | None = Field(default=None, description="File (relative to the repo root), if any.")
    line: int | None = None
    detail: str = Field(default="", description="What exactly matched (secrets are shown shortened).")
    explain_en: str
    explain_ar: str
    fix_en: str = ""
    fix_ar: str = ""


class Check(_Frozen):
    """A check's outcome: how many items it looked at and how many were fine."""

    name: str
    group: Literal["backend", "frontend", "safety", "proof", "tests", "docs"]
    passed: int
    total: int
    findings: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.findings == 0 and self.passed == self.total


class Scores(_Frozen):
    frontend_coverage: float
    backend_coverage: float
    safety_coverage: float
    proof_coverage: float
    test_coverage: float
    docs_coverage: float
    launch_readiness_score: float


class NextAction(_Frozen):
    severity: Severity
    rule: str
    action_en: str
    action_ar: str
    where: list[str] = Field(default_factory=list)


class AuditReport(BaseModel):
    root: str
    checks: list[Check]
    findings: list[Finding]
    scores: Scores
    next_actions: list[NextAction]
    counts: dict[str, int] = Field(description="Findings by severity.")


# ----------------------------------------------------------------------------- the data files
class CoreModule(_Frozen):
    path: str
    tests: list[str]


class Surface(_Frozen):
    path: str
    what: str


class ProofSpec(_Frozen):
    package: str
    tests: str
    docs: str


class CardsSpec(_Frozen):
    model: str
    data: list[str]
    max_buttons: int = Field(ge=1)


class Architecture(_Frozen):
    version: str
    top_level: list[str]
    core_modules: list[CoreModule]
    backend: list[str]
    frontend: list[Surface]
    proof: ProofSpec
    docs: list[str]
    policy_file: str
    integrations_file: str
    connectors_dir: str
    rwu_models: str
    cards: CardsSpec
    app_module: str
    routers_dir: str
    cli_main: str


class Rule(_Frozen):
    id: str
    category: str
    severity: Severity
    kind: RuleKind
    modules: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    except_hosts: list[str] = Field(default_factory=list)
    path: str | None = None
    regex: str | None = None
    allowed: list[str] = Field(default_factory=list, description="Globs of files where the rule does not apply.")
    explain_en: str
    explain_ar: str
    fix_en: str
    fix_ar: str


class Message(_Frozen):
    category: str
    severity: Severity
    explain_en: str
    explain_ar: str
    fix_en: str
    fix_ar: str


class Rules(_Frozen):
    version: str
    code_roots: list[str]
    text_skip_dirs: list[str]
    text_skip_suffixes: list[str]
    rules: list[Rule]
    messages: dict[str, Message]
    labels: dict[str, str]

    def finding(self, rule: str, *, check: str, path: str | None = None, line: int | None = None,
                detail: str = "") -> Finding:
        """A finding of one of the audit's own checks, with its texts from the data file."""
        m = self.messages[rule]
        return Finding(check=check, rule=rule, category=m.category, severity=m.severity, path=path, line=line,
                       detail=detail, explain_en=m.explain_en, explain_ar=m.explain_ar, fix_en=m.fix_en,
                       fix_ar=m.fix_ar)


def _load(name: str) -> object:
    return yaml.safe_load(resources.files("dealix.repo_audit").joinpath("data", name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_architecture() -> Architecture:
    return Architecture.model_validate(_load("architecture.yaml"))


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    return Rules.model_validate(_load("rules.yaml"))
