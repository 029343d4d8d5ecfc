"""``dealix targeting import`` and ``rank``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from targeting_corpus import broken_csv
from typer.testing import CliRunner

from dealix.cli.targeting import targeting_app
from dealix.settings import get_settings
from skills.targeting.factory import SAMPLE_FILE

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEALIX_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_import_json_reports_imported_merged_rejected_and_contactability() -> None:
    result = runner.invoke(targeting_app, ["import", str(SAMPLE_FILE), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["imported"] == 30 and report["rejected"] == 0
    assert report["merges"] and all(m["kept_id"] and m["merged_id"] and m["evidence_ar"] for m in report["merges"])
    assert sum(report["contactability"].values()) == 30 - len(report["merges"])


def test_import_prints_rejected_rows_with_arabic_reasons(tmp_path: Path) -> None:
    result = runner.invoke(targeting_app, ["import", str(broken_csv(tmp_path / "b.csv"))])
    assert result.exit_code == 0, result.output
    assert "اسم الشركة غير موجود" in result.stdout and "تقرير الاستيراد" in result.stdout


def test_import_of_an_unsupported_file_fails_with_an_arabic_message(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    result = runner.invoke(targeting_app, ["import", str(path)])
    assert result.exit_code == 1 and "صيغة الملف غير مدعومة" in result.stderr


def test_rank_without_an_import_uses_the_sample_leads() -> None:
    result = runner.invoke(targeting_app, ["rank", "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    ranked = json.loads(result.stdout)
    assert len(ranked["targets"]) == 3 and ranked["total_leads"] > 3
    first = ranked["targets"][0]
    assert set(first["score"]) >= {"fit", "why_now", "contactability", "relationship", "total"}
    assert first["channel"]["channel"] and first["signals"][0]["evidence"]


def test_rank_after_an_import_ranks_the_imported_leads(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("company,email,source\nOnly Co,a@only.example.com,crm_export\n", encoding="utf-8")
    assert runner.invoke(targeting_app, ["import", str(path)]).exit_code == 0
    result = runner.invoke(targeting_app, ["rank", "--json"])
    assert [t["company_name"] for t in json.loads(result.stdout)["targets"]] == ["Only Co"]


def test_rank_table_shows_the_breakdown_columns() -> None:
    result = runner.invoke(targeting_app, ["rank", "--top", "2"])
    assert result.exit_code == 0 and "ملاءمة" in result.stdout and "توقيت" in result.stdout
