"""The repo architecture audit on copies of this repository: one with violations planted, one clean.

Secret-shaped values are assembled at run time, so this file itself holds none.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealix.repo_audit import AuditReport, audit_repo
from dealix.repo_audit.routes import RouteInfo, installed_root

ROOT = installed_root()
_IGNORE = shutil.ignore_patterns(".git", ".venv", ".dealix", "__pycache__", "*.egg-info", ".mypy_cache",
                                 ".ruff_cache", ".pytest_cache", ".hypothesis", "results", "*.db")
OPENAI_SHAPED = "sk-" + "a1B2" * 10
AWS_SHAPED = "AKIA" + "Q7" * 8


def _copy(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=_IGNORE)
    return dest


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} no longer contains {old!r}: update the planted violation"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _plant(root: Path) -> None:
    _write(root, "skills/growth/li_bot.py",
           '"""Grows the pipeline."""\nfrom selenium import webdriver\n\n'
           'PROFILE = "https://www.linkedin.com/in/someone"\n\n\ndef auto_dm_everyone():\n    return webdriver\n')
    _write(root, "tools/connectors/blast.py",
           'from typing import ClassVar\n\nURL = "https://graph.facebook.com/v21.0/1/messages"\n\n\n'
           'class BlastConnector:\n    action: ClassVar[str] = "sms.blast"\n')
    _write(root, "agents/mailer.py", "import smtplib\n\nSERVER = smtplib.SMTP\n")
    _write(root, "skills/proof/charge.py",
           'from tools.connectors.base import _GATEWAY_SEAL, ExecutionPermit\n\n'
           'CHARGE = "https://api.moyasar.com/v1/payments"\n'
           'permit = ExecutionPermit(action="x.y", args_digest="", ledger_id="", live=True, seal=_GATEWAY_SEAL)\n')
    _replace(root, "tools/settings.py", "live_whatsapp: bool = False", "live_whatsapp: bool = True")
    _write(root, "dealix/keys_cache.py", f'OPENAI_KEY = "{OPENAI_SHAPED}"\n')
    _write(root, "tests/test_leak.py", f'AWS = "{AWS_SHAPED}"\n')
    _write(root, ".env", "DEALIX_SECRET_KEY=abc\n")
    _replace(root, "skills/cards/models.py", "MAX_BUTTONS = 3", "MAX_BUTTONS = 4")
    _write(root, "samples/cards_fixture.json",
           json.dumps({"cards": [{"title_ar": "بطاقة", "buttons": ["a", "b", "c", "d"]}]}))
    _replace(root, "tools/data/integrations.yaml", "launch_phase: mvp\n    risk_level: low\n",
             "launch_phase: mvp\n")
    head = "  whatsapp.send:\n    label_ar: \"إرسال رسالة واتساب\"\n"
    _replace(root, "tools/data/policy.yaml", head + "    mode: approval_required", head + "    mode: draft_only")
    _write(root, "api/routers/orphan.py",
           "from fastapi import APIRouter, FastAPI\n\nrouter = APIRouter()\n\n\n"
           "def install(app: FastAPI) -> None:\n    app.include_router(router)\n")
    _replace(root, "api/routers/health.py", "\ndef install(", '\n@router.get("/health")\ndef health_again() -> dict:\n'
             '    return {}\n\n\ndef install(')
    shutil.rmtree(root / "tests" / "memory")
    _replace(root, "docs/operations.md", "# Operations\n", "# Operations\n\nRun `dealix teleport now` and "
             "`scripts/nope.py`.\n")


@pytest.fixture(scope="module")
def dirty_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(tmp_path_factory.mktemp("dirty") / "repo")
    _plant(root)
    return root


@pytest.fixture(scope="module")
def dirty(dirty_root: Path) -> AuditReport:
    return audit_repo(dirty_root)  # routes from the copy's own app, built in a subprocess


@pytest.fixture(scope="module")
def clean_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(tmp_path_factory.mktemp("clean") / "repo")
    # Words and tests that name forbidden things in order to block them are not findings.
    _write(root, "tests/test_blocks_scraping.py",
           'from selenium import webdriver  # what a hostile plugin would import\n'
           'URL = "https://www.linkedin.com/in/x"\n\n\ndef test_auto_dm_is_blocked():\n    assert webdriver\n')
    _write(root, "tools/why_not.py", '"""We never call https://www.linkedin.com or send cold WhatsApp."""\n')
    return root


@pytest.fixture(scope="module")
def clean(clean_root: Path) -> AuditReport:
    return audit_repo(clean_root, routes=[])


def _rules(report: AuditReport, *, path: str | None = None) -> set[str]:
    return {f.rule for f in report.findings if path is None or f.path == path}


@pytest.mark.parametrize(("rule", "path"), [
    ("browser_automation", "skills/growth/li_bot.py"),
    ("social_endpoint", "skills/growth/li_bot.py"),
    ("auto_dm", "skills/growth/li_bot.py"),
    ("whatsapp_outside_connector", "tools/connectors/blast.py"),
    ("connector_without_policy", "tools/connectors/blast.py"),
    ("live_email_send", "agents/mailer.py"),
    ("live_payment_charge", "skills/proof/charge.py"),
    ("gateway_bypass", "skills/proof/charge.py"),
    ("live_flag_default_on", "tools/settings.py"),
    ("secret_openai", "dealix/keys_cache.py"),
    ("secret_aws", "tests/test_leak.py"),
    ("committed_env", ".env"),
    ("card_buttons", "skills/cards/models.py"),
    ("card_buttons", "samples/cards_fixture.json"),
    ("integration_metadata", "tools/data/integrations.yaml"),
    ("unsafe_policy_rule", "tools/data/policy.yaml"),
    ("router_not_installed", "api/routers/orphan.py"),
    ("missing_tests", "tools/memory"),
    ("stale_doc_reference", "docs/operations.md"),
])
def test_each_planted_violation_is_found_where_it_was_planted(dirty: AuditReport, rule: str, path: str) -> None:
    assert rule in _rules(dirty, path=path), [f"{f.rule} {f.path}" for f in dirty.findings]


def test_a_duplicate_method_and_path_is_found_from_the_built_app(dirty: AuditReport) -> None:
    [dupe] = [f for f in dirty.findings if f.rule == "duplicate_route"]
    assert dupe.detail.startswith("GET /api/v1/health") and "health_again" in dupe.detail


def test_every_finding_explains_itself_in_arabic_and_english(dirty: AuditReport) -> None:
    for finding in dirty.findings:
        assert finding.explain_en and finding.fix_en
        assert any("\u0600" <= ch <= "\u06ff" for ch in finding.explain_ar + finding.fix_ar)


def test_secrets_are_never_echoed_whole(dirty: AuditReport) -> None:
    dump = json.dumps(dirty.model_dump(mode="json"))
    assert OPENAI_SHAPED not in dump and AWS_SHAPED not in dump


def test_critical_findings_cap_launch_readiness_and_lead_the_next_actions(dirty: AuditReport) -> None:
    assert dirty.counts["critical"] >= 8
    assert dirty.scores.launch_readiness_score <= 49.0
    assert dirty.scores.safety_coverage < 50.0
    assert dirty.next_actions[0].severity == "critical"
    assert len({a.rule for a in dirty.next_actions}) == len(dirty.next_actions) <= 10


def test_the_clean_tree_has_no_safety_finding_even_where_blocked_things_are_named(clean: AuditReport) -> None:
    safety = {"scraping", "auto_dm", "cold_whatsapp", "live_email", "live_charge", "calendar_insert",
              "gateway_bypass", "live_flags", "secrets", "policy", "integrations", "cards"}
    assert [f for f in clean.findings if f.category in safety] == []
    assert clean.scores.safety_coverage == 100.0


def test_the_clean_tree_scores_above_the_dirty_one(clean: AuditReport, dirty: AuditReport) -> None:
    assert clean.scores.launch_readiness_score > dirty.scores.launch_readiness_score
    assert clean.scores.test_coverage > dirty.scores.test_coverage
    assert clean.scores.docs_coverage > dirty.scores.docs_coverage


def test_routes_that_cannot_be_listed_are_a_finding_not_a_pass(clean_root: Path) -> None:
    report = audit_repo(clean_root, routes=None)
    assert "routes_unavailable" in _rules(report)


def test_given_routes_with_a_duplicate_are_found(clean_root: Path) -> None:
    routes = [RouteInfo(methods=["GET"], path="/api/v1/x", name="a", module="m1"),
              RouteInfo(methods=["GET", "HEAD"], path="/api/v1/x", name="b", module="m2"),
              RouteInfo(methods=["POST"], path="/api/v1/x", name="c", module="m3")]
    report = audit_repo(clean_root, routes=routes)
    [dupe] = [f for f in report.findings if f.rule == "duplicate_route"]
    assert dupe.detail.startswith("GET /api/v1/x") and "m1.a" in dupe.detail and "m2.b" in dupe.detail


def test_cli_prints_json_and_fails_on_critical_findings(dirty_root: Path, tmp_path: Path) -> None:
    from dealix.cli.main import app

    ran = CliRunner().invoke(app, ["audit-repo", "--root", str(dirty_root), "--json"])
    assert ran.exit_code == 1
    data = json.loads(ran.stdout)
    assert {"frontend_coverage", "backend_coverage", "safety_coverage", "proof_coverage", "test_coverage",
            "docs_coverage", "launch_readiness_score"} == set(data["scores"])
    assert any(f["rule"] == "live_email_send" for f in data["findings"])
    assert data["next_actions"]
    missing = CliRunner().invoke(app, ["audit-repo", "--root", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
