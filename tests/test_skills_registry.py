"""The skill registry: every skill declared, least privilege, and nothing the policy blocks."""

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
from skills import SkillRegistry, load_skills
from tools.errors import NotFound, PolicyError

ROOT = Path(__file__).resolve().parents[1]
POLICY_FILE = ROOT / "tools" / "data" / "policy.yaml"
REGISTRY_FILE = ROOT / "skills" / "data" / "skills.yaml"

EXPECTED_IDS = {
    "execution_governor", "targeting_analyst", "safe_action_reviewer", "saudi_copywriter",
    "proof_pack_builder", "partner_strategist", "negotiation_coach", "customer_success_operator",
    "repo_auditor", "self_growth_operator", "ux_card_designer", "data_governance_reviewer",
}  # fmt: skip
# Left the registry in 2026.12.1, nothing called them (docs/tools-and-skills.md).
RETIRED_IDS = {"service_tower_designer", "launch_operator"}
ARABIC = re.compile(r"[\u0621-\u064A]")


@pytest.fixture(scope="module")
def policy() -> dict[str, Any]:
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _is_blocked(policy: dict[str, Any], action: str) -> bool:
    entry = policy["actions"].get(action)
    if entry is not None and entry["mode"] == "blocked":
        return True
    return any(fnmatchcase(action, rule["pattern"]) for rule in policy.get("blocked_patterns", []))


def test_registry_has_exactly_the_12_skills() -> None:
    registry = load_skills()
    assert isinstance(registry, SkillRegistry)
    assert len(registry) == 12
    assert set(registry.ids()) == EXPECTED_IDS
    assert not RETIRED_IDS & set(registry.ids())


def test_registry_carries_version_and_file_hash() -> None:
    registry = load_skills()
    assert registry.version
    assert re.fullmatch(r"[0-9a-f]{64}", registry.sha256)


def test_every_skill_has_its_required_fields_filled() -> None:
    for spec in load_skills():
        assert spec.owner in {"agent", "human"}
        assert spec.purpose.strip() and spec.purpose_ar.strip(), spec.skill_id
        assert spec.allowed_actions and spec.inputs and spec.outputs, spec.skill_id
        assert spec.acceptance_criteria and all(c.strip() for c in spec.acceptance_criteria), spec.skill_id
        assert spec.verification_method.strip(), spec.skill_id
        assert spec.examples and all(e.input and e.expected for e in spec.examples), spec.skill_id


def test_purposes_are_written_in_arabic() -> None:
    for spec in load_skills():
        assert ARABIC.search(spec.purpose_ar), spec.skill_id


def test_every_skill_action_exists_in_the_policy(policy: dict[str, Any]) -> None:
    for spec in load_skills():
        for action in spec.allowed_actions:
            assert action in policy["actions"], (spec.skill_id, action)


def test_no_skill_declares_a_blocked_action(policy: dict[str, Any]) -> None:
    for spec in load_skills():
        for action in spec.allowed_actions:
            assert not _is_blocked(policy, action), (spec.skill_id, action)


@pytest.mark.parametrize(
    "action", ["gmail.send", "moyasar.charge", "linkedin.scrape", "social.browser_automation"]
)
def test_known_blocked_actions_are_declared_by_no_skill(action: str) -> None:
    assert all(action not in actions for actions in load_skills().actions_by_skill().values())


@pytest.mark.parametrize(
    ("skill_id", "actions"),
    [
        ("saudi_copywriter", {"gmail.draft", "whatsapp.draft"}),
        ("targeting_analyst", {"crm.import", "targeting.rank", "sheets.export"}),
        ("proof_pack_builder", {"proof.pack_build", "card.publish"}),
        ("repo_auditor", {"repo.audit"}),
        ("ux_card_designer", {"card.publish"}),
        (
            "execution_governor",
            {
                "gmail.draft", "whatsapp.draft", "whatsapp.send", "calendar.draft",
                "calendar.insert", "crm.update", "moyasar.invoice_draft",
            },
        ),
    ],
)  # fmt: skip
def test_least_privilege_actions(skill_id: str, actions: set[str]) -> None:
    assert load_skills().actions_by_skill()[skill_id] == frozenset(actions)


def test_only_the_execution_governor_may_ask_for_approval_gated_sends() -> None:
    holders = {
        skill_id
        for skill_id, actions in load_skills().actions_by_skill().items()
        if actions & {"whatsapp.send", "calendar.insert", "crm.update"}
    }
    assert holders == {"execution_governor"}


def test_get_returns_the_spec_and_refuses_unknown_ids() -> None:
    registry = load_skills()
    assert registry.get("repo_auditor").allowed_actions == ("repo.audit",)
    assert "repo_auditor" in registry
    with pytest.raises(NotFound):
        registry.get("linkedin_growth_hacker")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _bundled() -> dict[str, Any]:
    data = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    "text",
    [
        "version: '1'\nskills: [",  # not YAML
        "42\n",  # not a mapping
        "version: '1'\nskills:\n  - skill_id: x\n",  # required fields missing
    ],
)
def test_malformed_file_raises_policy_error_in_arabic_and_english(tmp_path: Path, text: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_skills(_write(tmp_path / "skills.yaml", text))
    assert ARABIC.search(caught.value.message_ar)
    assert "skill registry" in caught.value.message_en
    assert caught.value.code == "skill_registry_invalid"


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    data = _bundled()
    data["skills"][0]["may_send_live"] = True
    with pytest.raises(PolicyError, match="may_send_live"):
        load_skills(_write(tmp_path / "skills.yaml", yaml.safe_dump(data, allow_unicode=True)))


def test_duplicate_skill_ids_are_refused(tmp_path: Path) -> None:
    data = _bundled()
    data["skills"].append(data["skills"][1])
    with pytest.raises(PolicyError, match="duplicate"):
        load_skills(_write(tmp_path / "skills.yaml", yaml.safe_dump(data, allow_unicode=True)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner", "robot"),
        ("risk_level", "none"),
        ("purpose_ar", "English only"),
        ("examples", []),
        ("allowed_actions", ["Gmail.Draft"]),
    ],
)
def test_invalid_field_values_are_refused(tmp_path: Path, field: str, value: Any) -> None:
    data = _bundled()
    data["skills"][0][field] = value
    with pytest.raises(PolicyError):
        load_skills(_write(tmp_path / "skills.yaml", yaml.safe_dump(data, allow_unicode=True)))


def test_hash_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = _write(tmp_path / "skills.yaml", REGISTRY_FILE.read_text(encoding="utf-8"))
    before = load_skills(path)
    load_skills.cache_clear()
    _write(path, REGISTRY_FILE.read_text(encoding="utf-8") + "\n# a comment is a change\n")
    after = load_skills(path)
    load_skills.cache_clear()
    assert before.sha256 != after.sha256
    assert before.ids() == after.ids()


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("integrations")(registries.integrations)
    app.command("skills")(registries.skills)
    return app


def test_cli_json_lists_all_skills() -> None:
    result = CliRunner().invoke(_cli(), ["skills", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["skills"]) == 12
    assert data["version"] == load_skills().version


def test_cli_table_shows_the_skills() -> None:
    result = CliRunner().invoke(_cli(), ["skills"])
    assert result.exit_code == 0, result.output
    assert "saudi_copywriter" in result.stdout
