"""The integration registry: complete, Arabic-first, and never promising more than the policy allows."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from dealix.cli import registries
from tools.errors import NotFound, PolicyError
from tools.integrations import Integration, load_integrations

ROOT = Path(__file__).resolve().parents[1]
POLICY_FILE = ROOT / "tools" / "data" / "policy.yaml"
REGISTRY_FILE = ROOT / "tools" / "data" / "integrations.yaml"

EXPECTED_NAMES = {
    "supabase_pgvector", "qdrant", "langfuse", "phoenix", "posthog", "sentry", "tavily",
    "google_programmable_search", "apollo", "clay", "people_data_labs", "composio", "prefect",
    "temporal", "openai_agents_sdk", "pydantic_ai", "langgraph", "gmail_draft",
    "google_calendar_draft", "google_sheets", "moyasar_invoice", "whatsapp_opt_in", "crm_import_export",
}  # fmt: skip
OUTWARD_PREFIXES = ("gmail.", "calendar.", "whatsapp.", "moyasar.", "crm.")
ARABIC = re.compile(r"[\u0621-\u064A]")


@pytest.fixture(scope="module")
def policy() -> dict[str, Any]:
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _mode(policy: dict[str, Any], action: str) -> str | None:
    entry = policy["actions"].get(action)
    return None if entry is None else str(entry["mode"])


def _matches_blocked_pattern(policy: dict[str, Any], action: str) -> bool:
    return any(fnmatchcase(action, rule["pattern"]) for rule in policy.get("blocked_patterns", []))


def test_registry_has_exactly_the_23_integrations() -> None:
    registry = load_integrations()
    assert len(registry) == 23
    assert set(registry.names()) == EXPECTED_NAMES


def test_registry_carries_version_and_file_hash() -> None:
    registry = load_integrations()
    assert registry.version
    assert re.fullmatch(r"[0-9a-f]{64}", registry.sha256)


def test_every_integration_has_its_required_fields_filled() -> None:
    for item in load_integrations():
        assert item.use_case.strip() and item.notes_ar.strip(), item.name
        assert item.required_env_vars, item.name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", var) for var in item.required_env_vars), item.name
        assert item.test_required is True or (isinstance(item.test_required, str) and item.test_required)


def test_notes_are_written_in_arabic() -> None:
    for item in load_integrations():
        assert ARABIC.search(item.notes_ar), item.name


def test_get_returns_the_integration_and_refuses_unknown_names() -> None:
    registry = load_integrations()
    assert registry.get("gmail_draft").allowed_actions == ("gmail.draft",)
    assert "gmail_draft" in registry
    assert dict(registry.items())["qdrant"].safe_default == "local_mode"
    with pytest.raises(NotFound):
        registry.get("linkedin_bot")


def test_allowed_actions_only_draft_or_suggest(policy: dict[str, Any]) -> None:
    for item in load_integrations():
        for action in item.allowed_actions:
            assert _mode(policy, action) in {"draft_only", "suggest_only"}, (item.name, action)


def test_approval_required_actions_agree_with_policy(policy: dict[str, Any]) -> None:
    for item in load_integrations():
        for action in item.approval_required_actions:
            assert _mode(policy, action) == "approval_required", (item.name, action)


def test_blocked_actions_are_blocked_by_policy(policy: dict[str, Any]) -> None:
    for item in load_integrations():
        for action in item.blocked_actions:
            assert _mode(policy, action) == "blocked" or _matches_blocked_pattern(policy, action), (
                item.name,
                action,
            )


def test_every_outward_policy_action_is_covered_by_an_integration(policy: dict[str, Any]) -> None:
    covered = set().union(*(item.actions for item in load_integrations()))
    outward = {
        action
        for action, entry in policy["actions"].items()
        if action.startswith(OUTWARD_PREFIXES) or action == "sheets.export" or entry.get("external")
    }
    assert outward - covered == set()


@pytest.mark.parametrize(
    ("name", "allowed", "approval", "blocked"),
    [
        ("gmail_draft", {"gmail.draft"}, set(), {"gmail.send"}),
        ("moyasar_invoice", {"moyasar.invoice_draft"}, set(), {"moyasar.charge"}),
        ("whatsapp_opt_in", {"whatsapp.draft"}, {"whatsapp.send"}, None),
        ("google_calendar_draft", {"calendar.draft"}, {"calendar.insert"}, None),
        ("google_sheets", set(), {"sheets.export"}, None),
        ("crm_import_export", {"crm.import"}, {"crm.update", "crm.export"}, None),
    ],
)
def test_connector_integrations_declare_their_actions(
    name: str, allowed: set[str], approval: set[str], blocked: set[str] | None
) -> None:
    item = load_integrations().get(name)
    assert set(item.allowed_actions) == allowed
    assert set(item.approval_required_actions) == approval
    if blocked is not None:
        assert set(item.blocked_actions) == blocked


@pytest.mark.parametrize(
    "name", ["tavily", "apollo", "people_data_labs", "clay", "google_programmable_search"]
)
def test_external_enrichment_is_off_by_default(name: str) -> None:
    item = load_integrations().get(name)
    assert item.safe_default == "disabled"
    assert item.risk_level in {"medium", "high"}
    assert not item.allowed_actions and not item.approval_required_actions


@pytest.mark.parametrize("name", ["clay", "apollo"])
def test_clay_and_apollo_notes_rule_out_scraping(name: str) -> None:
    item = load_integrations().get(name)
    assert "scraping" in item.notes_ar or "جمع البيانات آلياً" in item.notes_ar
    assert "linkedin.scrape" in item.blocked_actions


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        "version: '1'\nintegrations: [",  # not YAML
        "- just a list\n",  # not a mapping
        "version: '1'\nintegrations:\n  - name: x\n",  # required fields missing
    ],
)
def test_malformed_file_raises_policy_error_in_arabic_and_english(tmp_path: Path, text: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_integrations(_write(tmp_path / "integrations.yaml", text))
    assert ARABIC.search(caught.value.message_ar)
    assert "integration registry" in caught.value.message_en
    assert caught.value.code == "integration_registry_invalid"


def test_missing_file_raises_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError):
        load_integrations(tmp_path / "absent.yaml")


def _bundled() -> dict[str, Any]:
    data = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("risk_level", "extreme"),
        ("launch_phase", "someday"),
        ("safe_default", "on"),
        ("notes_ar", "English only"),
    ],
)
def test_invalid_field_values_are_refused(tmp_path: Path, field: str, value: str) -> None:
    data = _bundled()
    data["integrations"][0][field] = value
    with pytest.raises(PolicyError):
        load_integrations(_write(tmp_path / "integrations.yaml", yaml.safe_dump(data, allow_unicode=True)))


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    data = _bundled()
    data["integrations"][0]["api_key"] = "sk-live-123"
    with pytest.raises(PolicyError):
        load_integrations(_write(tmp_path / "integrations.yaml", yaml.safe_dump(data, allow_unicode=True)))


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    data = _bundled()
    data["integrations"].append(data["integrations"][0])
    with pytest.raises(PolicyError, match="duplicate"):
        load_integrations(_write(tmp_path / "integrations.yaml", yaml.safe_dump(data, allow_unicode=True)))


def test_an_action_cannot_be_both_allowed_and_blocked() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Integration.model_validate(
            {**load_integrations().get("gmail_draft").model_dump(), "allowed_actions": ["gmail.send"]}
        )


def test_hash_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = _write(tmp_path / "integrations.yaml", REGISTRY_FILE.read_text(encoding="utf-8"))
    before = load_integrations(path)
    load_integrations.cache_clear()
    _write(path, REGISTRY_FILE.read_text(encoding="utf-8") + "\n# a comment is a change\n")
    after = load_integrations(path)
    load_integrations.cache_clear()
    assert before.sha256 != after.sha256
    assert before.names() == after.names()


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("integrations")(registries.integrations)
    app.command("skills")(registries.skills)
    return app


def test_cli_json_lists_all_integrations() -> None:
    result = CliRunner().invoke(_cli(), ["integrations", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["integrations"]) == 23
    assert data["sha256"] == load_integrations().sha256
    assert any(ARABIC.search(item["notes_ar"]) for item in data["integrations"])


def test_cli_table_shows_the_integrations() -> None:
    result = CliRunner().invoke(_cli(), ["integrations"])
    assert result.exit_code == 0, result.output
    assert "whatsapp_opt_in" in result.stdout
