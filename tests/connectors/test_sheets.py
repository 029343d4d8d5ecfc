from __future__ import annotations

import codecs
import csv
import io

import pytest

from tools.connectors.sheets import SheetsExportConnector, neutralise_cell, render_csv
from tools.errors import ConnectorError

HOSTILE = [
    '=HYPERLINK("http://x","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u200f=1+1",  # right-to-left mark, common before Arabic text
    "\u3000＝1",  # ideographic space
]
HARMLESS = ["شركة النخبة للتجارة", "0501234567", "1+1", "a=b", "", "'=already quoted", "email@client.sa"]


def read_back(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def run(args, ctx, permit, **kw):
    connector = SheetsExportConnector()
    return connector.run(permit("sheets.export", args, **kw), args, ctx)


@pytest.mark.parametrize("cell", HOSTILE)
def test_formula_like_cells_get_a_leading_apostrophe(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", HARMLESS)
def test_ordinary_text_is_left_alone(cell):
    assert neutralise_cell(cell) == cell


def test_hostile_cells_are_neutralised_in_the_exported_file(ctx, permit):
    args = {"columns": ["الاسم", "ملاحظة"], "rows": [["عميل", cell] for cell in HOSTILE]}
    delivery = run(args, ctx, permit)

    rows = read_back(ctx.outbox_dir / "sheets.export-L1.csv")
    assert rows[0] == ["الاسم", "ملاحظة"]
    assert [row[1] for row in rows[1:]] == ["'" + cell for cell in HOSTILE]
    assert delivery.detail == {"rows": len(HOSTILE), "columns": ["الاسم", "ملاحظة"]}


def test_hostile_column_names_are_neutralised_too(ctx, permit):
    run({"columns": ["=cmd()", "name"], "rows": [["a", "b"]]}, ctx, permit)
    assert read_back(ctx.outbox_dir / "sheets.export-L1.csv")[0] == ["'=cmd()", "name"]


def test_numbers_stay_numbers_and_dict_rows_follow_column_order(ctx, permit):
    args = {
        "columns": ["name", "deals", "balance", "active", "notes"],
        "rows": [
            {"balance": -250.5, "name": "مؤسسة الريادة", "deals": 3, "active": True},
            ["شركة الأفق", -5, 0, False, "=1"],
        ],
    }
    run(args, ctx, permit)
    assert read_back(ctx.outbox_dir / "sheets.export-L1.csv")[1:] == [
        ["مؤسسة الريادة", "3", "-250.5", "TRUE", ""],
        ["شركة الأفق", "-5", "0", "FALSE", "'=1"],
    ]


def test_file_is_utf8_with_bom_crlf_and_minimal_quoting():
    content = render_csv(["a", "b"], [["x,y", 'say "hi"'], ["سطر\nثان", "z"]])
    assert content == (
        codecs.BOM_UTF8 + 'a,b\r\n"x,y","say ""hi"""\r\n"سطر\nثان",z\r\n'.encode()
    )


@pytest.mark.parametrize(
    "args, code",
    [
        ({"columns": ["a", "b"], "rows": [["only one"]]}, "table_row_mismatch"),
        ({"columns": ["a"], "rows": [{"a": 1, "phone": "0501234567"}]}, "table_row_mismatch"),
        ({"columns": ["a", "a"], "rows": [[1, 2]]}, "table_columns_invalid"),
        ({"columns": ["a"], "rows": [[{"nested": 1}]]}, "arguments_invalid"),
    ],
)
def test_rows_that_do_not_fit_the_columns_are_refused(ctx, permit, args, code):
    with pytest.raises(ConnectorError) as caught:
        run(args, ctx, permit)
    assert caught.value.code == code
    assert "0501234567" not in caught.value.message_ar + caught.value.message_en
    assert not ctx.outbox_dir.exists()


def test_missing_rows_are_named_in_arabic(ctx, permit):
    with pytest.raises(ConnectorError) as caught:
        run({"columns": ["a"]}, ctx, permit)
    assert caught.value.code == "arguments_missing"
    assert "rows" in caught.value.message_ar


def test_same_ledger_id_twice_gives_one_identical_file(ctx, permit):
    args = {"columns": ["a"], "rows": [["1"]]}
    run(args, ctx, permit)
    content = (ctx.outbox_dir / "sheets.export-L1.csv").read_bytes()
    run(args, ctx, permit)
    assert list(ctx.outbox_dir.iterdir()) == [ctx.outbox_dir / "sheets.export-L1.csv"]
    assert (ctx.outbox_dir / "sheets.export-L1.csv").read_bytes() == content
