"""``dealix proof pack`` and ``dealix evidence export|verify`` through the real command line."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from proof_support import KEY, TENANT, Rig, event, seed_week
from typer.testing import CliRunner

from dealix.cli.main import app
from dealix.settings import get_settings

runner = CliRunner()
SUNDAY = ["--from", "2026-11-22", "--to", "2026-11-22"]


@pytest.fixture(autouse=True)
def env(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(rig.settings.data_dir))
    monkeypatch.setenv("DEALIX_SECRET_KEY", KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def seeded(rig: Rig) -> Rig:
    seed_week(rig)
    return rig


def test_proof_pack_prints_the_tenants_pack_and_records_it(seeded: Rig) -> None:
    result = runner.invoke(app, ["proof", "pack", "--tenant", TENANT, *SUNDAY])
    assert result.exit_code == 0, result.output
    pack = json.loads(result.stdout)
    assert pack["tenant"] == TENANT and pack["created_total"] == 12
    recorded = event(seeded.settings, pack["audit_event"])
    assert (recorded["action"], recorded["actor"]) == ("proof.pack_build", "cli")


def test_proof_pack_writes_html_and_pdf_files(seeded: Rig, tmp_path: Path) -> None:
    html, pdf = tmp_path / "out" / "pack.html", tmp_path / "pack.pdf"
    first = runner.invoke(app, ["proof", "pack", "--tenant", TENANT, "-f", "html", "--out", str(html), *SUNDAY])
    second = runner.invoke(app, ["proof", "pack", "--tenant", TENANT, "-f", "pdf", "--out", str(pdf), *SUNDAY])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert 'dir="rtl" lang="ar"' in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "حُفظت حزمة الإثبات" in second.stdout


def test_a_pdf_needs_a_file(seeded: Rig) -> None:
    result = runner.invoke(app, ["proof", "pack", "-f", "pdf"])
    assert result.exit_code == 1 and "--out" in result.stderr and "PDF" in result.stderr


@pytest.mark.parametrize("args", [["--from", "2026-13-01"], ["--from", "2026-11-30", "--to", "2026-11-01"]],
                         ids=["bad-date", "reversed"])
def test_unusable_dates_are_refused_in_arabic(args: list[str]) -> None:
    result = runner.invoke(app, ["proof", "pack", *args])
    assert result.exit_code == 1
    assert "period_invalid" in result.stderr and ("تاريخ" in result.stderr or "الفترة" in result.stderr)


def test_the_demo_pack_needs_no_ledger() -> None:
    result = runner.invoke(app, ["proof", "pack", "--demo", "-f", "md"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# حزمة إثبات القيمة — demo")


def test_export_then_verify_is_clean_and_any_change_fails(seeded: Rig, tmp_path: Path) -> None:
    pack = tmp_path / "evidence.zip"
    exported = runner.invoke(app, ["evidence", "export", "--out", str(pack), "--contact", "c-4", "--tenant", TENANT])
    assert exported.exit_code == 0, exported.output
    assert "حُفظت حزمة الأدلة" in exported.stdout

    intact = runner.invoke(app, ["evidence", "verify", str(pack)])
    assert intact.exit_code == 0 and "حزمة الأدلة سليمة" in intact.stdout

    with zipfile.ZipFile(pack) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members["approvals.jsonl"] = members["approvals.jsonl"].replace(b"consumed", b"rejected")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    pack.write_bytes(buffer.getvalue())
    tampered = runner.invoke(app, ["evidence", "verify", str(pack)])
    assert tampered.exit_code == 1
    assert "غير سليمة" in tampered.stdout and "approvals.jsonl" in tampered.stdout and "NOT intact" in tampered.stdout

    report = json.loads(runner.invoke(app, ["evidence", "verify", str(pack), "--json"]).stdout)
    assert report["ok"] is False and [f["code"] for f in report["findings"]] == ["file_modified"]


def test_verify_without_a_file_or_a_key_cannot_decide(seeded: Rig, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    missing = runner.invoke(app, ["evidence", "verify", str(tmp_path / "none.zip")])
    assert missing.exit_code == 2
    pack = tmp_path / "e.zip"
    assert runner.invoke(app, ["evidence", "export", "--out", str(pack), "--tenant", TENANT, *SUNDAY]).exit_code == 0
    monkeypatch.delenv("DEALIX_SECRET_KEY")
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "elsewhere"))
    get_settings.cache_clear()
    keyless = runner.invoke(app, ["evidence", "verify", str(pack)])
    assert keyless.exit_code == 2 and "key_missing" in keyless.stderr
    assert not (tmp_path / "elsewhere" / "secret.key").exists()  # verifying never mints a key


def test_a_contact_and_a_deal_together_are_refused() -> None:
    result = runner.invoke(app, ["evidence", "export", "--out", "x.zip", "--contact", "c-1", "--deal", "d-1"])
    assert result.exit_code == 1 and "scope_invalid" in result.stderr


def test_a_demo_pack_verifies_with_the_demo_key_only(tmp_path: Path) -> None:
    pack = tmp_path / "demo.zip"
    assert runner.invoke(app, ["evidence", "export", "--demo", "--out", str(pack)]).exit_code == 0
    assert runner.invoke(app, ["evidence", "verify", "--demo", str(pack)]).exit_code == 0
    foreign = runner.invoke(app, ["evidence", "verify", str(pack)])
    assert foreign.exit_code == 1 and "signature_invalid" in foreign.stdout
