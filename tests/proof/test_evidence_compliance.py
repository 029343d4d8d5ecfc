"""The evidence pack carries the compliance matrix (live statuses at export, for the pack's tenant) inside
the signed manifest, so verification covers it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from proof_support import KEY, OTHER, TENANT, Rig, seed_week
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings
from skills.governance.compliance import ComplianceChecker
from skills.proof.evidence import EvidenceScope, Manifest, export_evidence, write_evidence
from skills.proof.evidence_verify import verify_evidence
from skills.proof.period import Period


@pytest.fixture
def seeded(rig: Rig) -> Rig:
    seed_week(rig)
    return rig


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_pack_carries_the_live_matrix_of_its_tenant_under_the_signature(seeded: Rig) -> None:
    now = seeded.clock()
    live = ComplianceChecker(TENANT, gateway=seeded.gateway, settings=seeded.settings, clock=lambda: now).report()
    data, manifest = export_evidence(seeded.gateway, EvidenceScope(tenant=TENANT), key=KEY.encode(), now=now,
                                     settings=seeded.settings)
    carried = json.loads(_members(data)["compliance.json"])
    assert carried == live.model_dump(mode="json")
    assert {c["status"] for c in carried["controls"]} <= {"met", "gap", "no_data"} and len(carried["controls"]) >= 8
    assert "compliance.json" in manifest.files
    # The invoice draft of the seeded week is the tenant's: its ZATCA control has data, the other tenant's not.
    zatca = next(c for c in carried["controls"] if c["check"] == "zatca_fields")
    assert zatca["status"] == "met"
    other, _ = export_evidence(seeded.gateway, EvidenceScope(tenant=OTHER), key=KEY.encode(), now=now,
                               settings=seeded.settings)
    theirs = json.loads(_members(other)["compliance.json"])
    assert next(c for c in theirs["controls"] if c["check"] == "zatca_fields")["status"] == "no_data"


def test_changing_the_matrix_in_a_pack_is_caught(seeded: Rig, tmp_path: Path) -> None:
    data, _ = export_evidence(seeded.gateway, EvidenceScope(tenant=TENANT, period=Period(
        start=seeded.clock().date(), end=seeded.clock().date())), key=KEY.encode(), now=seeded.clock(),
        settings=seeded.settings)
    members = _members(data)
    matrix = json.loads(members["compliance.json"])
    gap = next(c for c in matrix["controls"] if c["status"] == "gap")
    gap["status"] = "met"  # hide a gap from the auditor
    members["compliance.json"] = json.dumps(matrix, indent=2).encode()
    report = verify_evidence(write_evidence(_rezip(members), tmp_path / "pack.zip"), key=KEY.encode())
    assert not report.ok and [(f.code, f.name) for f in report.findings] == [("file_modified", "compliance.json")]
    manifest = Manifest.model_validate_json(members["manifest.json"])
    members.pop("compliance.json")
    missing = verify_evidence(write_evidence(_rezip(members), tmp_path / "gone.zip"), key=KEY.encode())
    assert [(f.code, f.name) for f in missing.findings] == [("file_missing", "compliance.json")]
    assert "compliance.json" in manifest.files


@pytest.fixture
def cli_env(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(rig.settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_dealix_evidence_verify_exits_1_when_the_matrix_was_edited(seeded: Rig, cli_env: None,
                                                                    tmp_path: Path) -> None:
    runner = CliRunner()
    pack = tmp_path / "evidence.zip"
    exported = runner.invoke(app, ["evidence", "export", "--out", str(pack), "--tenant", TENANT,
                                   "--from", "2026-11-16", "--to", "2026-11-22"])
    assert exported.exit_code == 0, exported.output
    members = _members(pack.read_bytes())
    assert json.loads(members["compliance.json"])["controls"]
    assert runner.invoke(app, ["evidence", "verify", str(pack)]).exit_code == 0
    members["compliance.json"] = members["compliance.json"].replace(b'"gap"', b'"met"')
    pack.write_bytes(_rezip(members))
    tampered = runner.invoke(app, ["evidence", "verify", str(pack), "--json"])
    assert tampered.exit_code == 1
    assert [(f["code"], f["name"]) for f in json.loads(tampered.stdout)["findings"]] == [
        ("file_modified", "compliance.json")]
