from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json

import pytest

from tools.connectors import crm, sheets
from tools.connectors.crm import CrmExportConnector, CrmImportConnector, CrmUpdateConnector
from tools.errors import ConnectorError

LEADS_CSV = (
    "الاسم,الجوال,البريد,المدينة\r\n"
    "أحمد العتيبي,0501234567,ahmed@client.sa,الرياض\r\n"
    "\r\n"
    "سارة القحطاني,0551234567,sara@client.sa,جدة\r\n"
    '"شركة ""الأفق""",0561234567,info@ufuq.sa\r\n'
)


def run(connector, args, ctx, permit, **kw):
    return connector.run(permit(connector.action, args, **kw), args, ctx)


def read_back(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# --- crm.export -----------------------------------------------------------------------------


def test_crm_export_reuses_the_sheets_neutralisation():
    assert crm.render_csv is sheets.render_csv


def test_export_writes_neutralised_records(ctx, permit):
    args = {"columns": ["id", "name", "note"], "rows": [{"id": "C-1", "name": "أحمد", "note": "=HYPERLINK(\"x\")"}]}
    delivery = run(CrmExportConnector(), args, ctx, permit)
    assert read_back(ctx.outbox_dir / "crm.export-L1.csv") == [
        ["id", "name", "note"],
        ["C-1", "أحمد", "'=HYPERLINK(\"x\")"],
    ]
    assert delivery.detail == {"rows": 1, "columns": ["id", "name", "note"]}


# --- crm.update -----------------------------------------------------------------------------


def updates_args():
    return {
        "updates": [
            {"record_id": "C-1", "field": "stage", "old": "مؤهل", "new": "عرض سعر"},
            {"record_id": "C-1", "field": "phone", "old": None, "new": "+966501234567"},
            {"record_id": "C-2", "field": "amount", "old": 1000, "new": 1500.5},
        ]
    }


def test_update_writes_one_row_per_change_with_neutralised_values(ctx, permit):
    delivery = run(CrmUpdateConnector(), updates_args(), ctx, permit)
    assert read_back(ctx.outbox_dir / "crm.update-L1.csv") == [
        ["record_id", "field", "old", "new"],
        ["C-1", "stage", "مؤهل", "عرض سعر"],
        ["C-1", "phone", "", "'+966501234567"],
        ["C-2", "amount", "1000", "1500.5"],
    ]
    assert delivery.detail == {"updates": 3, "record_ids": ["C-1", "C-2"], "fields": ["amount", "phone", "stage"]}
    assert "966" not in json.dumps(delivery.detail)


def test_update_without_a_new_value_is_refused(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(CrmUpdateConnector(), {"updates": [{"record_id": "C-1", "field": "stage"}]}, ctx, permit)
    assert caught.value.code == "arguments_invalid"
    assert "updates.0.new" in caught.value.message_ar


def test_update_missing_arguments_are_named_in_arabic(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run(CrmUpdateConnector(), {"updates": []}, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert "updates" in caught.value.message_ar


# --- crm.import -----------------------------------------------------------------------------


@pytest.fixture
def leads(tmp_path):
    path = tmp_path / "imports" / "leads.csv"
    path.parent.mkdir()
    path.write_bytes(codecs.BOM_UTF8 + LEADS_CSV.encode())
    return path


def test_import_reports_header_and_row_count_without_pii(ctx, permit, leads):
    delivery = run(CrmImportConnector(), {"path": str(leads)}, ctx, permit)

    assert delivery.detail["rows"] == 3
    assert delivery.detail["columns"] == ["الاسم", "الجوال", "البريد", "المدينة"]
    assert delivery.detail["ragged_rows"] == 1
    flat = json.dumps(delivery.detail, ensure_ascii=False) + (ctx.outbox_dir / "crm.import-L1.json").read_text()
    for pii in ("0501234567", "ahmed@client.sa", "أحمد", "سارة", "leads.csv"):
        assert pii not in flat


def test_import_summary_in_the_outbox_fingerprints_the_file(ctx, permit, leads):
    run(CrmImportConnector(), {"path": str(leads)}, ctx, permit)
    summary = json.loads((ctx.outbox_dir / "crm.import-L1.json").read_text(encoding="utf-8"))
    assert summary["encoding"] == "utf-8-sig"
    assert summary["delimiter"] == ","
    assert summary["sha256"] == hashlib.sha256(leads.read_bytes()).hexdigest()
    assert summary["size_bytes"] == leads.stat().st_size


def test_import_reads_plain_utf8_and_semicolon_files(ctx, permit, tmp_path):
    path = tmp_path / "export.CSV"
    path.write_text("name;city\nأحمد;الرياض\n", encoding="utf-8")
    delivery = run(CrmImportConnector(), {"path": str(path)}, ctx, permit)
    assert delivery.detail["columns"] == ["name", "city"]
    assert delivery.detail["rows"] == 1


def test_import_refuses_a_legacy_arabic_encoding_politely(ctx, permit, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("الاسم,المدينة\r\nأحمد,الرياض\r\n".encode("cp1256"))
    with pytest.raises(ConnectorError) as caught:
        run(CrmImportConnector(), {"path": str(path)}, ctx, permit)
    assert caught.value.code == "import_not_utf8"
    assert "CSV UTF-8" in caught.value.message_ar


@pytest.mark.parametrize(
    "name, content, code",
    [("notes.txt", b"a,b\n", "import_not_csv"), ("empty.csv", b"\n\n", "import_empty"),
     ("quote.csv", b"a,b\n\"x,1\n", "import_malformed")],
)
def test_import_refuses_files_it_cannot_read(ctx, permit, tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConnectorError) as caught:
        run(CrmImportConnector(), {"path": str(path)}, ctx, permit)
    assert caught.value.code == code
    assert not ctx.outbox_dir.exists()


@pytest.mark.parametrize("name", ["nope.csv", "bad\x00name.csv"])
def test_import_refuses_a_missing_file(ctx, permit, tmp_path, name):
    with pytest.raises(ConnectorError) as caught:
        run(CrmImportConnector(), {"path": str(tmp_path / name)}, ctx, permit)
    assert caught.value.code == "import_not_found"


def test_import_root_confines_reads_even_through_symlinks(ctx, permit, tmp_path, leads):
    outside = tmp_path / "secret.csv"
    outside.write_text("key\nvalue\n", encoding="utf-8")
    link = leads.parent / "link.csv"
    link.symlink_to(outside)
    connector = CrmImportConnector(import_root=leads.parent)

    assert run(connector, {"path": str(leads)}, ctx, permit).detail["rows"] == 3
    for path in (outside, link, leads.parent / ".." / "secret.csv"):
        with pytest.raises(ConnectorError) as caught:
            run(connector, {"path": str(path)}, ctx, permit, ledger_id="L2")
        assert caught.value.code == "import_outside_root"


def test_import_refuses_an_oversized_file(ctx, permit, leads):
    with pytest.raises(ConnectorError) as caught:
        run(CrmImportConnector(max_bytes=10), {"path": str(leads)}, ctx, permit)
    assert caught.value.code == "import_too_large"


def test_import_twice_with_one_ledger_id_reports_the_first_read(ctx, permit, leads):
    connector = CrmImportConnector()
    first = run(connector, {"path": str(leads)}, ctx, permit)
    content = (ctx.outbox_dir / "crm.import-L1.json").read_bytes()
    leads.write_text("a\n1\n2\n3\n4\n", encoding="utf-8")
    second = run(connector, {"path": str(leads)}, ctx, permit)
    assert second.detail == first.detail
    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "crm.import-L1.json"]
    assert (ctx.outbox_dir / "crm.import-L1.json").read_bytes() == content
